package sqlcore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/shopspring/decimal"
)

// State implements store.Store.
func (s *Store) State(ctx context.Context, player, rule string) (store.State, error) {
	st := store.State{Player: player, Rule: rule}
	err := s.D.Read(ctx, func(ex Execer) error {
		err := ex.QueryRow(ctx, `SELECT version, data FROM rule_state WHERE player = $1 AND rule = $2`, player, rule).Scan(&st.Version, &st.Data)
		if s.D.NoRows(err) {
			return nil
		}
		return err
	})
	return st, err
}

// States implements store.Store.
func (s *Store) States(ctx context.Context, player string) ([]store.State, error) {
	var out []store.State
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		st := store.State{Player: player}
		if err := r.Scan(&st.Rule, &st.Version, &st.Data); err != nil {
			return err
		}
		st.Data = nonNil(st.Data)
		out = append(out, st)
		return nil
	}, `SELECT rule, version, data FROM rule_state WHERE player = $1 ORDER BY rule`, player)
	return out, err
}

// SetBudget implements store.Store.
func (s *Store) SetBudget(ctx context.Context, campaign, currency string, limit decimal.Decimal, at time.Time) error {
	u, err := store.Units(limit)
	if err != nil {
		return fmt.Errorf("budget of %s in %s: %w", campaign, currency, err)
	}
	return s.D.Begin(ctx, func(ex Execer) error {
		// A budget set returns its slices: the limit is checked against
		// what was posted and reserved, slices included.
		if err := s.foldAll(ctx, ex, [2]string{campaign, currency}); err != nil {
			return err
		}
		// Only a raise of an open account makes a campaign its budget
		// suspended active again: opening an account (a rule set that
		// names a new currency, when an engine starts) or setting a limit
		// again or lower takes nothing from what ran out.
		var was int64
		err := ex.QueryRow(ctx, `SELECT limit_units FROM budget_accounts WHERE campaign = $1 AND currency = $2`, campaign, currency).Scan(&was)
		raised := err == nil && u > was
		if err != nil && !s.D.NoRows(err) {
			return err
		}
		n, err := ex.Exec(ctx, `INSERT INTO budget_accounts (campaign, currency, limit_units) VALUES ($1, $2, $3)
			ON CONFLICT (campaign, currency) DO UPDATE SET limit_units = excluded.limit_units
			WHERE budget_accounts.posted + budget_accounts.reserved + budget_accounts.sliced <= excluded.limit_units`, campaign, currency, u)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("budget of %s in %s: %s: %w", campaign, currency, limit, store.ErrBudgetBelowSpent)
		}
		if !raised {
			return nil
		}
		_, err = ex.Exec(ctx, `UPDATE campaigns SET status = 'active', reason = '', since_ns = $2
			WHERE campaign = $1 AND status = 'suspended' AND reason = $3`, campaign, nanos(at), store.ReasonBudgetExhausted)
		return err
	})
}

// Budgets implements store.Store.
func (s *Store) Budgets(ctx context.Context, campaign string) ([]store.Budget, error) {
	var out []store.Budget
	err := s.D.Read(ctx, func(ex Execer) error {
		out = nil
		// What the budget slices used is posted (slices.go).
		rows, err := ex.Query(ctx, `SELECT a.currency, a.limit_units, a.posted + CAST(COALESCE((SELECT SUM(s.used) FROM budget_slices s
			WHERE s.campaign = a.campaign AND s.currency = a.currency), 0) AS BIGINT), a.reserved
			FROM budget_accounts a WHERE a.campaign = $1 ORDER BY a.currency`, campaign)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			b := store.Budget{Campaign: campaign}
			var l, p, r int64
			if err := rows.Scan(&b.Currency, &l, &p, &r); err != nil {
				return err
			}
			b.Limit, b.Posted, b.Reserved = store.FromUnits(l), store.FromUnits(p), store.FromUnits(r)
			out = append(out, b)
		}
		return rows.Err()
	})
	return out, err
}

// Audit implements store.Store.
func (s *Store) Audit(ctx context.Context) error {
	var bad []string
	err := s.D.Read(ctx, func(ex Execer) error {
		bad = nil
		rows, err := ex.Query(ctx, `SELECT a.campaign, a.currency, a.limit_units, a.posted, a.reserved, a.sliced,
			CAST(COALESCE((SELECT SUM(s.used) FROM budget_slices s
				WHERE s.campaign = a.campaign AND s.currency = a.currency), 0) AS BIGINT),
			CAST(COALESCE((SELECT SUM(s.granted) FROM budget_slices s
				WHERE s.campaign = a.campaign AND s.currency = a.currency), 0) AS BIGINT),
			CAST(COALESCE((SELECT SUM(e.units) FROM ledger_entries e
				WHERE e.campaign = a.campaign AND e.currency = a.currency AND e.kind = 'post'), 0) AS BIGINT),
			CAST(COALESCE((SELECT SUM(e.units) FROM ledger_entries e
				WHERE e.campaign = a.campaign AND e.currency = a.currency AND e.kind = 'reserve'), 0) AS BIGINT),
			CAST(COALESCE((SELECT SUM(e.units) FROM ledger_entries e
				WHERE e.campaign = a.campaign AND e.currency = a.currency AND e.pending_id IS NOT NULL), 0) AS BIGINT)
			FROM budget_accounts a ORDER BY a.campaign, a.currency`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var campaign, currency string
			var limit, posted, reserved, sliced, used, granted, posts, reserves, resolved int64
			if err := rows.Scan(&campaign, &currency, &limit, &posted, &reserved, &sliced, &used, &granted, &posts, &reserves, &resolved); err != nil {
				return err
			}
			// What budget slices used is posted; the account's sliced is
			// what they were granted.
			posted += used
			if posted != posts || reserved != reserves-resolved || sliced != granted || posted+reserved > limit {
				bad = append(bad, fmt.Sprintf("%s in %s: limit %s, posted %s (entries %s), reserved %s (entries %s), sliced %s (slices %s)",
					campaign, currency, store.FromUnits(limit), store.FromUnits(posted), store.FromUnits(posts),
					store.FromUnits(reserved), store.FromUnits(reserves-resolved), store.FromUnits(sliced), store.FromUnits(granted)))
			}
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", store.ErrLedger, strings.Join(bad, "; "))
	}
	return nil
}

// Campaign implements store.Store.
func (s *Store) Campaign(ctx context.Context, campaign string) (store.Campaign, error) {
	c := store.Campaign{Name: campaign, Status: store.Active}
	err := s.D.Read(ctx, func(ex Execer) error {
		var status string
		var since int64
		err := ex.QueryRow(ctx, `SELECT status, reason, since_ns FROM campaigns WHERE campaign = $1`, campaign).Scan(&status, &c.Reason, &since)
		if s.D.NoRows(err) {
			return nil
		}
		c.Status, c.Since = store.CampaignStatus(status), fromNanos(since)
		return err
	})
	return c, err
}

// Suspend implements store.Store.
func (s *Store) Suspend(ctx context.Context, campaign, reason string, at time.Time) error {
	if reason == store.ReasonBudgetExhausted {
		// A raise of the budget lifts a suspension with this reason, and
		// an operator's must outlive it.
		return fmt.Errorf("reason %q: %w: give another", reason, store.ErrReservedReason)
	}
	return s.D.Begin(ctx, func(ex Execer) error {
		// A suspended campaign takes nothing: its budget slices come back.
		if err := s.foldCampaign(ctx, ex, campaign); err != nil {
			return err
		}
		return suspend(ctx, ex, campaign, reason, at)
	})
}

// Resume implements store.Store.
func (s *Store) Resume(ctx context.Context, campaign string, at time.Time) error {
	return s.D.Begin(ctx, func(ex Execer) error {
		_, err := ex.Exec(ctx, `INSERT INTO campaigns (campaign, status, reason, since_ns) VALUES ($1, 'active', '', $2)
			ON CONFLICT (campaign) DO UPDATE SET status = excluded.status, reason = excluded.reason, since_ns = excluded.since_ns`,
			campaign, nanos(at))
		return err
	})
}

// Campaigns implements store.Store.
func (s *Store) Campaigns(ctx context.Context) ([]string, error) {
	var out []string
	err := s.D.Read(ctx, func(ex Execer) error {
		out = nil
		rows, err := ex.Query(ctx, `SELECT campaign FROM campaigns UNION SELECT campaign FROM budget_accounts ORDER BY campaign`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

func (s *Store) outcomes(ctx context.Context, query string, args ...any) ([]store.Outcome, error) {
	var out []store.Outcome
	err := s.D.Begin(ctx, func(ex Execer) error {
		out = nil
		rows, err := ex.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOutcome(rows)
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		return rows.Err()
	})
	return out, err
}

// Waiting implements store.Store.
func (s *Store) Waiting(ctx context.Context, after int64, limit int) ([]store.Outcome, error) {
	// The latest waiting outcome of each key in the queue: a recalculated
	// result is listed once, as recalculated.
	return s.outcomes(ctx, `SELECT `+outcomeCols+` FROM outcomes o WHERE seq > $1 AND status = 'waiting' AND EXISTS (
		SELECT 1 FROM approvals a WHERE a.rule = o.rule AND a.action = o.action AND a.player = o.player AND a.trigger_hash = o.trigger_hash)
		AND NOT EXISTS (SELECT 1 FROM outcomes l WHERE l.rule = o.rule AND l.action = o.action AND l.player = o.player
			AND l.trigger_hash = o.trigger_hash AND l.status = 'waiting' AND l.seq > o.seq)
		ORDER BY seq LIMIT $2`, after, limit)
}

// Outcomes implements store.Store.
func (s *Store) Outcomes(ctx context.Context, after int64, limit int) ([]store.Outcome, error) {
	return s.outcomes(ctx, `SELECT `+outcomeCols+` FROM outcomes WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
}

// Outbox implements store.Store.
func (s *Store) Outbox(ctx context.Context, limit int) ([]store.Outcome, error) {
	if s.outboxInLog() {
		return s.outcomes(ctx, `SELECT `+outcomeCols+` FROM outcomes o
			WHERE o.seq > (SELECT low FROM outbox_low) AND NOT EXISTS (SELECT 1 FROM outbox_delivered d WHERE d.seq = o.seq)
			ORDER BY o.seq LIMIT $1`, limit)
	}
	return s.outcomes(ctx, `SELECT o.seq, o.rule, o.action, o.player, o.trigger_hash, o.campaign, o.status, o.reason, o.amount, o.currency, o.body, o.at_ns
		FROM outbox b JOIN outcomes o ON o.seq = b.seq WHERE b.delivered_ns = 0 ORDER BY b.seq LIMIT $1`, limit)
}

// Delivered implements store.Store.
func (s *Store) Delivered(ctx context.Context, seqs []int64, at time.Time) error {
	if s.outboxInLog() {
		return s.D.Begin(ctx, func(ex Execer) error { return deliveredInLog(ctx, ex, seqs, at) })
	}
	return s.D.Begin(ctx, func(ex Execer) error {
		for _, q := range seqs {
			if _, err := ex.Exec(ctx, `UPDATE outbox SET delivered_ns = $2 WHERE seq = $1 AND delivered_ns = 0`, q, max(nanos(at), 1)); err != nil {
				return err
			}
		}
		return nil
	})
}

// deliveredInLog is Delivered where the outbox is the log (OutboxInLog):
// the outcomes above the mark not marked yet are marked, then the mark
// moves up to the last outcome before the first one not delivered (the
// last outcome when every one is), and the marks at or below it go.
func deliveredInLog(ctx context.Context, ex Execer, seqs []int64, at time.Time) error {
	for _, q := range seqs {
		if _, err := ex.Exec(ctx, `INSERT INTO outbox_delivered (seq, delivered_ns)
			SELECT seq, $2 FROM outcomes WHERE seq = $1 AND seq > (SELECT low FROM outbox_low)
			ON CONFLICT (seq) DO NOTHING`, q, max(nanos(at), 1)); err != nil {
			return err
		}
	}
	if _, err := ex.Exec(ctx, `UPDATE outbox_low SET low = COALESCE(
		(SELECT MIN(o.seq) - 1 FROM outcomes o WHERE o.seq > outbox_low.low
			AND NOT EXISTS (SELECT 1 FROM outbox_delivered d WHERE d.seq = o.seq)),
		(SELECT MAX(seq) FROM outcomes), low)`); err != nil {
		return err
	}
	_, err := ex.Exec(ctx, `DELETE FROM outbox_delivered WHERE seq <= (SELECT low FROM outbox_low)`)
	return err
}

// Approve implements store.Store.
func (s *Store) Approve(ctx context.Context, key store.Key, at time.Time) (store.Outcome, error) {
	return s.decide(ctx, key, "post", store.Issued, "", at)
}

// Reject implements store.Store.
func (s *Store) Reject(ctx context.Context, key store.Key, reason string, at time.Time) (store.Outcome, error) {
	return s.decide(ctx, key, "void", store.Rejected, reason, at)
}

// decide takes a result out of the approval queue, posts or voids its
// reservation and logs the decision, in one transaction.
func (s *Store) decide(ctx context.Context, key store.Key, kind string, status store.Status, reason string, at time.Time) (store.Outcome, error) {
	var o store.Outcome
	err := s.D.Begin(ctx, func(ex Execer) error {
		o0, expires, err := s.take(ctx, ex, key, kind, at)
		if err != nil {
			return err
		}
		if expires != 0 && nanos(at) >= expires {
			// Past its deadline (expiries.go): the error rolls the take
			// back, and the engine's next Advance rejects it.
			return fmt.Errorf("%+v: %w: %w (it timed out at %s)", key, store.ErrTimedOut, store.ErrNotWaiting,
				fromNanos(expires).Format(time.RFC3339Nano))
		}
		o = o0
		o.Status, o.Reason = status, reason
		p := &pending{o: o, refs: []*store.Outcome{&o}}
		return s.appendLog(ctx, ex, []*pending{p})
	})
	return o, err
}

// takeTries bounds take's statements after the first: each one that finds
// nothing, with a row there again, follows a recalculation that committed
// a new row meanwhile (tens of recalculations of one result racing one
// decision would be needed to run out).
const takeTries = 16

// take removes key from the approval queue and settles its reservation:
// kind "post" pays it out of the budget, "void" gives it back. It returns
// the key's latest waiting outcome, dated at, and the result's deadline
// (expires_ns, 0 when none). Taking the row with DELETE ... RETURNING
// makes two deciders race safely: one gets it.
func (s *Store) take(ctx context.Context, ex Execer, key store.Key, kind string, at time.Time) (store.Outcome, int64, error) {
	var campaign, currency string
	var u, reservation, expires int64
	del := func() error {
		return ex.QueryRow(ctx, `DELETE FROM approvals WHERE rule = $1 AND action = $2 AND player = $3 AND trigger_hash = $4
		RETURNING campaign, currency, units, reservation, expires_ns`, key.Rule, key.Action, key.Player, key.TriggerHash).
			Scan(&campaign, &currency, &u, &reservation, &expires)
	}
	err := del()
	for try := 0; s.D.NoRows(err) && try < takeTries; try++ {
		// On PostgreSQL a recalculation that replaced the result's row
		// (deleted it and queued the new amount) while this statement
		// waited for the row's lock leaves it nothing to see, though a
		// result waits: a statement begun after sees what that one
		// committed, unless another recalculation replaces the new row
		// meanwhile. So while a row is there to take, try again. (On
		// SQLite, one writer at a time, nothing is there.)
		var one int
		if e := ex.QueryRow(ctx, `SELECT 1 FROM approvals WHERE rule = $1 AND action = $2 AND player = $3 AND trigger_hash = $4`,
			key.Rule, key.Action, key.Player, key.TriggerHash).Scan(&one); s.D.NoRows(e) {
			break
		} else if e != nil {
			return store.Outcome{}, 0, e
		}
		err = del()
	}
	if s.D.NoRows(err) {
		return store.Outcome{}, 0, notWaiting(ctx, ex, key)
	}
	if err != nil {
		return store.Outcome{}, 0, err
	}
	o, err := lastWaiting(ctx, ex, key)
	if err != nil {
		return o, 0, err
	}
	o.At = fromNanos(nanos(at))
	if reservation == 0 {
		return o, expires, nil
	}
	if err := entry(ctx, ex, kind, reservation, &o, u); err != nil {
		return o, 0, err
	}
	set := "reserved = reserved - $3"
	if kind == "post" {
		set += ", posted = posted + $3"
	}
	if _, err := ex.Exec(ctx, `UPDATE budget_accounts SET `+set+` WHERE campaign = $1 AND currency = $2`, campaign, currency, u); err != nil {
		return o, 0, err
	}
	return o, expires, nil
}

// lastWaiting is the latest waiting outcome of a key: the one a
// recalculation logged last, or the first.
func lastWaiting(ctx context.Context, ex Execer, k store.Key) (store.Outcome, error) {
	return scanOutcome(ex.QueryRow(ctx, `SELECT `+outcomeCols+` FROM outcomes
		WHERE rule = $1 AND action = $2 AND player = $3 AND trigger_hash = $4 AND status = 'waiting' ORDER BY seq DESC LIMIT 1`,
		k.Rule, k.Action, k.Player, k.TriggerHash))
}

// Recalculate implements store.Store: the result keeps its deadline.
func (s *Store) Recalculate(ctx context.Context, key store.Key, amount decimal.Decimal, body []byte, at time.Time) (store.Outcome, error) {
	return s.recalculate(ctx, key, amount, body, at, nil)
}

// RecalculateExpiring implements store.Expiries.
func (s *Store) RecalculateExpiring(ctx context.Context, key store.Key, amount decimal.Decimal, body []byte, at, expires time.Time) (store.Outcome, error) {
	return s.recalculate(ctx, key, amount, body, at, &expires)
}

// recalculate is Recalculate, with the result's new deadline (nil: it
// keeps its own).
func (s *Store) recalculate(ctx context.Context, key store.Key, amount decimal.Decimal, body []byte, at time.Time, expires *time.Time) (store.Outcome, error) {
	var o store.Outcome
	err := s.D.Begin(ctx, func(ex Execer) error {
		// The result keeps the time of its first calculation (expiries.go).
		var calculated, deadline int64
		err := ex.QueryRow(ctx, `SELECT calculated_ns, expires_ns FROM approvals WHERE rule = $1 AND action = $2 AND player = $3 AND trigger_hash = $4`,
			key.Rule, key.Action, key.Player, key.TriggerHash).Scan(&calculated, &deadline)
		if err != nil && !s.D.NoRows(err) {
			return err
		}
		if expires != nil {
			deadline = nanos(*expires)
		}
		if o, _, err = s.take(ctx, ex, key, "void", at); err != nil {
			return err
		}
		o.Amount, o.Body, o.Reason = amount, body, ""
		var nu, newRes int64
		if o.Campaign != "" {
			if nu, err = store.Units(amount); err != nil {
				return err
			}
			if nu > 0 {
				if newRes, err = s.reserve(ctx, ex, &o, nu); err != nil {
					return err
				}
			}
		}
		if o.Status == store.Waiting {
			first := o
			first.At, first.Expires = fromNanos(calculated), fromNanos(deadline)
			if err := queue(ctx, ex, &first, nu, newRes); err != nil {
				return err
			}
		}
		p := &pending{o: o, refs: []*store.Outcome{&o}}
		return s.appendLog(ctx, ex, []*pending{p})
	})
	return o, err
}

// StartRun implements store.Store.
func (s *Store) StartRun(ctx context.Context, run store.Run) (store.Run, bool, error) {
	got, started := run, false
	err := s.beginKeeping(ctx, func(ex Execer) error {
		n, err := ex.Exec(ctx, `INSERT INTO schedule_runs (campaign, zone, local_date, trigger_hash, started_ns) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, run.Campaign, run.Zone, run.LocalDate, run.TriggerHash, nanos(run.Started))
		if err != nil {
			return err
		}
		if n == 1 {
			got, started = run, true
			got.Started, got.Finished = fromNanos(nanos(run.Started)), time.Time{}
			return nil
		}
		got, started = run, false
		var st, fin int64
		err = ex.QueryRow(ctx, `SELECT trigger_hash, started_ns, finished_ns FROM schedule_runs WHERE campaign = $1 AND zone = $2 AND local_date = $3`,
			run.Campaign, run.Zone, run.LocalDate).Scan(&got.TriggerHash, &st, &fin)
		got.Started, got.Finished = fromNanos(st), fromNanos(fin)
		return err
	})
	return got, started, err
}

// FinishRun implements store.Store.
func (s *Store) FinishRun(ctx context.Context, campaign, zone, localDate string, at time.Time) error {
	return s.beginKeeping(ctx, func(ex Execer) error {
		_, err := ex.Exec(ctx, `UPDATE schedule_runs SET finished_ns = $4 WHERE campaign = $1 AND zone = $2 AND local_date = $3 AND finished_ns = 0`,
			campaign, zone, localDate, max(nanos(at), 1))
		return err
	})
}

// Runs implements store.Store.
func (s *Store) Runs(ctx context.Context, campaign string, limit int) ([]store.Run, error) {
	var out []store.Run
	err := s.D.Read(ctx, func(ex Execer) error {
		out = nil
		rows, err := ex.Query(ctx, `SELECT zone, local_date, trigger_hash, started_ns, finished_ns FROM schedule_runs
			WHERE campaign = $1 ORDER BY local_date DESC, zone LIMIT $2`, campaign, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r := store.Run{Campaign: campaign}
			var st, fin int64
			if err := rows.Scan(&r.Zone, &r.LocalDate, &r.TriggerHash, &st, &fin); err != nil {
				return err
			}
			r.Started, r.Finished = fromNanos(st), fromNanos(fin)
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}
