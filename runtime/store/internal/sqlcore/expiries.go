package sqlcore

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// The approval queue by time (store.Expiries): approvals.calculated_ns is
// the time of a result's first calculation (the outcome's At when it was
// queued), kept through recalculations, and indexed by (rule, action,
// calculated_ns). approvals.expires_ns is the result's deadline, 0 when it
// has none: the outcome's Expires when it was queued, set again by
// RecalculateExpiring; decide refuses an approval or a rejection at or
// after it (store.ErrTimedOut), whether or not Expire has run.

// Expiring implements store.Expiries.
func (s *Store) Expiring(ctx context.Context, rule, action string, until time.Time, limit int) ([]store.Queued, error) {
	var out []store.Queued
	err := s.D.Read(ctx, func(ex Execer) error {
		out = nil
		rows, err := ex.Query(ctx, `SELECT player, trigger_hash, calculated_ns FROM approvals
			WHERE rule = $1 AND action = $2 AND calculated_ns <= $3
			ORDER BY calculated_ns, player, trigger_hash LIMIT $4`, rule, action, nanos(until), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			q := store.Queued{Key: store.Key{Rule: rule, Action: action}}
			var at int64
			if err := rows.Scan(&q.Key.Player, &q.Key.TriggerHash, &at); err != nil {
				return err
			}
			q.At = fromNanos(at)
			out = append(out, q)
		}
		return rows.Err()
	})
	return out, err
}

// Expire implements store.Expiries: set-based, a few statements for the
// whole page whatever its size (one round trip each on PostgreSQL), doing
// what take does for one key. The DELETE ... RETURNING takes each key that
// still waits, so an approval or a rejection racing the expiry has one
// winner; the keys no longer waiting are left out.
func (s *Store) Expire(ctx context.Context, keys []store.Queued) ([]store.Outcome, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	index := make(map[store.Key]int, len(keys))
	for i, q := range keys {
		index[q.Key] = i
	}
	cols := keyColumns(maps.Keys(index))
	var out []store.Outcome
	err := s.D.Begin(ctx, func(ex Execer) error {
		out = nil
		taken, err := s.takeAll(ctx, ex, cols)
		if err != nil || len(taken) == 0 {
			return err
		}
		latest, err := s.lastWaitingAll(ctx, ex, taken)
		if err != nil {
			return err
		}
		type account struct{ campaign, currency string }
		freed := map[account]int64{}
		var void [10][]string // the void entries' columns
		for k, t := range taken {
			o, ok := latest[k]
			if !ok {
				return fmt.Errorf("%+v: queued for approval without a waiting outcome", k)
			}
			o.At = fromNanos(nanos(keys[index[k]].At))
			o.Status, o.Reason = store.Rejected, store.ReasonTimedOut
			out = append(out, o)
			if t.reservation == 0 {
				continue
			}
			freed[account{t.campaign, t.currency}] += t.units
			for c, v := range []string{o.Campaign, o.Currency, "void", strconv.FormatInt(t.units, 10), k.Rule, k.Action, k.Player, k.TriggerHash,
				strconv.FormatInt(nanos(o.At), 10), strconv.FormatInt(t.reservation, 10)} {
				void[c] = append(void[c], v)
			}
		}
		slices.SortFunc(out, func(a, b store.Outcome) int { return index[a.Key] - index[b.Key] })
		if len(void[0]) > 0 {
			from, args := s.D.Tuples(void[:]...)
			if _, err := ex.Exec(ctx, `INSERT INTO ledger_entries (campaign, currency, kind, units, rule, action, player, trigger_hash, at_ns, pending_id)
				SELECT q.c1, q.c2, q.c3, CAST(q.c4 AS BIGINT), q.c5, q.c6, q.c7, q.c8, CAST(q.c9 AS BIGINT), CAST(q.c10 AS BIGINT) FROM `+from+` ORDER BY q.i`, args...); err != nil {
				return err
			}
		}
		accounts := slices.SortedFunc(maps.Keys(freed), func(a, b account) int {
			return cmp.Or(strings.Compare(a.campaign, b.campaign), strings.Compare(a.currency, b.currency))
		})
		for _, a := range accounts { // sorted: one order of locks, whatever the map's
			if _, err := ex.Exec(ctx, `UPDATE budget_accounts SET reserved = reserved - $3 WHERE campaign = $1 AND currency = $2`, a.campaign, a.currency, freed[a]); err != nil {
				return err
			}
		}
		pend := make([]*pending, len(out))
		for i := range out {
			pend[i] = &pending{o: out[i], refs: []*store.Outcome{&out[i]}}
		}
		return s.appendLog(ctx, ex, pend)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// queued is what the approval queue holds of a result: its budget account
// and units, and the ledger entry of its reservation (0 when none).
type queued struct {
	campaign, currency string
	units, reservation int64
}

// takeAll removes from the approval queue the keys of cols (rule, action,
// player, trigger hash) that are in it, and returns what it held of them.
func (s *Store) takeAll(ctx context.Context, ex Execer, cols [4][]string) (map[store.Key]queued, error) {
	from, args := s.D.Tuples(cols[:]...)
	rows, err := ex.Query(ctx, `DELETE FROM approvals WHERE (rule, action, player, trigger_hash) IN (SELECT q.c1, q.c2, q.c3, q.c4 FROM `+from+`)
		RETURNING rule, action, player, trigger_hash, campaign, currency, units, reservation`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[store.Key]queued{}
	for rows.Next() {
		var k store.Key
		var q queued
		if err := rows.Scan(&k.Rule, &k.Action, &k.Player, &k.TriggerHash, &q.campaign, &q.currency, &q.units, &q.reservation); err != nil {
			return nil, err
		}
		out[k] = q
	}
	return out, rows.Err()
}

// keyColumns is the columns (rule, action, player, trigger hash) of keys,
// for the dialect's Tuples.
func keyColumns(keys iter.Seq[store.Key]) [4][]string {
	var cols [4][]string
	for k := range keys {
		cols[0], cols[1], cols[2], cols[3] = append(cols[0], k.Rule), append(cols[1], k.Action), append(cols[2], k.Player), append(cols[3], k.TriggerHash)
	}
	return cols
}

// lastWaitingAll is lastWaiting for many keys, in one query.
func (s *Store) lastWaitingAll(ctx context.Context, ex Execer, keys map[store.Key]queued) (map[store.Key]store.Outcome, error) {
	cols := keyColumns(maps.Keys(keys))
	from, args := s.D.Tuples(cols[:]...)
	rows, err := ex.Query(ctx, `SELECT o.seq, o.rule, o.action, o.player, o.trigger_hash, o.campaign, o.status, o.reason, o.amount, o.currency, o.body, o.at_ns
		FROM `+from+` JOIN outcomes o ON o.rule = q.c1 AND o.action = q.c2 AND o.player = q.c3 AND o.trigger_hash = q.c4
		WHERE o.status = 'waiting' ORDER BY o.seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[store.Key]store.Outcome, len(keys))
	for rows.Next() {
		o, err := scanOutcome(rows)
		if err != nil {
			return nil, err
		}
		out[o.Key] = o // the latest, by seq
	}
	return out, rows.Err()
}

// notWaiting is the error of a key that no result waits for: ErrTimedOut
// (an ErrNotWaiting too) when its latest outcome is its expiry.
func notWaiting(ctx context.Context, ex Execer, key store.Key) error {
	var status, reason string
	err := ex.QueryRow(ctx, `SELECT status, reason FROM outcomes
		WHERE rule = $1 AND action = $2 AND player = $3 AND trigger_hash = $4 ORDER BY seq DESC LIMIT 1`,
		key.Rule, key.Action, key.Player, key.TriggerHash).Scan(&status, &reason)
	if err == nil && status == string(store.Rejected) && reason == store.ReasonTimedOut {
		return fmt.Errorf("%+v: %w: %w", key, store.ErrTimedOut, store.ErrNotWaiting)
	}
	return fmt.Errorf("%+v: %w", key, store.ErrNotWaiting)
}

// Calculated implements store.Expiries.
func (s *Store) Calculated(ctx context.Context, key store.Key) (time.Time, error) {
	var at int64
	err := s.D.Read(ctx, func(ex Execer) error {
		err := ex.QueryRow(ctx, `SELECT calculated_ns FROM approvals WHERE rule = $1 AND action = $2 AND player = $3 AND trigger_hash = $4`,
			key.Rule, key.Action, key.Player, key.TriggerHash).Scan(&at)
		if s.D.NoRows(err) {
			return notWaiting(ctx, ex, key)
		}
		return err
	})
	if err != nil {
		return time.Time{}, err
	}
	return fromNanos(at), nil
}

// Overdue implements store.Expiries, through the partial index
// approvals_expires.
func (s *Store) Overdue(ctx context.Context, until time.Time, limit int) ([]store.Queued, error) {
	var out []store.Queued
	err := s.D.Read(ctx, func(ex Execer) error {
		out = nil
		rows, err := ex.Query(ctx, `SELECT rule, action, player, trigger_hash, expires_ns FROM approvals
			WHERE expires_ns > 0 AND expires_ns <= $1
			ORDER BY expires_ns, rule, action, player, trigger_hash LIMIT $2`, nanos(until), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var q store.Queued
			var at int64
			if err := rows.Scan(&q.Key.Rule, &q.Key.Action, &q.Key.Player, &q.Key.TriggerHash, &at); err != nil {
				return err
			}
			q.At = fromNanos(at)
			out = append(out, q)
		}
		return rows.Err()
	})
	return out, err
}
