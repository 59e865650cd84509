package sqlcore

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/shopspring/decimal"
)

const bonusCols = `seq, id, source, campaign, activity, action_group, action, trigger_hash, ref_id, comm_profile,
	player, code, amount, currency, granted_ns, status, status_ns, real_amount, external`

func scanBonus(r Row) (store.Bonus, error) {
	var b store.Bonus
	var amount, real, status string
	var granted, statusAt int64
	err := r.Scan(&b.Seq, &b.ID, &b.Source, &b.Campaign, &b.Refs.Activity, &b.Refs.ActionGroup, &b.Refs.Action,
		&b.Refs.TriggerHash, &b.Refs.ID, &b.Refs.CommunicationProfile, &b.Player, &b.Code, &amount, &b.Currency,
		&granted, &status, &statusAt, &real, &b.External)
	if err != nil {
		return b, err
	}
	b.Status, b.Granted, b.StatusAt = store.BonusStatus(status), fromNanos(granted), fromNanos(statusAt)
	if b.Amount, err = decimal.NewFromString(amount); err != nil {
		return b, fmt.Errorf("bonus %s: stored amount %q: %w", b.ID, amount, err)
	}
	if b.Real, err = decimal.NewFromString(real); err != nil {
		return b, fmt.Errorf("bonus %s: stored amount turned real %q: %w", b.ID, real, err)
	}
	if len(b.External) == 0 {
		b.External = nil
	}
	return b, nil
}

// checkBonus validates a bonus to grant and fills what Grant sets.
func checkBonus(i int, b *store.Bonus) (units int64, err error) {
	r := &b.Refs
	for _, f := range []struct{ name, v string }{{"source", b.Source}, {"activity", r.Activity}, {"action", r.Action},
		{"player", b.Player}, {"trigger hash", r.TriggerHash}} {
		if f.v == "" {
			return 0, fmt.Errorf("bonus %d: %w: no %s", i, store.ErrBonus, f.name)
		}
	}
	if units, err = store.Units(b.Amount); err != nil {
		return 0, fmt.Errorf("bonus %d: %w", i, err)
	}
	if units > 0 && b.Currency == "" {
		return 0, fmt.Errorf("bonus %d: %w: an amount without a currency", i, store.ErrBonus)
	}
	if !storable(b.Granted) || b.Granted.IsZero() {
		return 0, fmt.Errorf("bonus %d: %w: time %s out of range", i, store.ErrBonus, b.Granted)
	}
	b.ID = store.BonusID(b.Source, r.Activity, r.Action, b.Player, r.TriggerHash)
	if r.ID == "" {
		r.ID = b.ID
	}
	if b.Campaign == "" {
		b.Campaign = r.Activity
	}
	b.Granted = fromNanos(nanos(b.Granted))
	b.Status, b.StatusAt, b.Real, b.Repeat = store.BonusCreated, b.Granted, decimal.Zero, false
	return units, nil
}

// Grant implements store.Bonuses.
func (s *Store) Grant(ctx context.Context, bonuses []store.Bonus, cursor int64) ([]store.Bonus, error) {
	in := make([]store.Bonus, len(bonuses))
	units := make([]int64, len(bonuses))
	for i, b := range bonuses {
		var err error
		if units[i], err = checkBonus(i, &b); err != nil {
			return nil, err
		}
		in[i] = b
	}
	var out []store.Bonus
	err := s.D.Begin(ctx, func(ex Execer) error {
		out = make([]store.Bonus, len(in))
		for i, b := range in {
			r := b.Refs
			var external any
			if b.External != nil {
				external = b.External
			}
			err := ex.QueryRow(ctx, `INSERT INTO bonuses (id, source, campaign, activity, action_group, action, trigger_hash, ref_id, comm_profile,
				player, code, amount, units, currency, granted_ns, status, status_ns, real_amount, real_units, external)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $15, '0', 0, $17)
				ON CONFLICT DO NOTHING RETURNING seq`,
				b.ID, b.Source, b.Campaign, r.Activity, r.ActionGroup, r.Action, r.TriggerHash, r.ID, r.CommunicationProfile,
				b.Player, b.Code, exact(b.Amount), units[i], b.Currency, nanos(b.Granted), string(store.BonusCreated), external).Scan(&b.Seq)
			if s.D.NoRows(err) {
				first, err := scanBonus(ex.QueryRow(ctx, `SELECT `+bonusCols+` FROM bonuses
					WHERE source = $1 AND activity = $2 AND action = $3 AND player = $4 AND trigger_hash = $5`,
					b.Source, r.Activity, r.Action, b.Player, r.TriggerHash))
				if err != nil {
					return fmt.Errorf("bonus %d: the first grant: %w", i, err)
				}
				first.Repeat = true
				out[i] = first
				continue
			}
			if err != nil {
				return err
			}
			out[i] = b
		}
		if cursor > 0 {
			_, err := ex.Exec(ctx, `INSERT INTO bonus_cursor (name, seq) VALUES ('outcomes', $1)
				ON CONFLICT (name) DO UPDATE SET seq = excluded.seq WHERE bonus_cursor.seq < excluded.seq`, cursor)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BonusCursor implements store.Bonuses.
func (s *Store) BonusCursor(ctx context.Context) (int64, error) {
	var seq int64
	err := s.D.Read(ctx, func(ex Execer) error {
		return ex.QueryRow(ctx, `SELECT seq FROM bonus_cursor WHERE name = 'outcomes'`).Scan(&seq)
	})
	if s.D.NoRows(err) {
		return 0, nil
	}
	return seq, err
}

// eventHash is a hash of what a status event says, so that an id sent
// again with other content is told apart from a redelivery.
func eventHash(e *store.BonusEvent) []byte {
	amount := "-"
	if e.HasAmount {
		amount = e.Amount.String()
	}
	h := sha256.New()
	for _, p := range []string{e.ID, e.Bonus, e.Refs.Activity, e.Refs.ActionGroup, e.Refs.Action, e.Refs.TriggerHash,
		e.Refs.ID, e.Refs.CommunicationProfile, e.Player, string(e.Status), amount, e.Currency, fmt.Sprint(nanos(e.At))} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// checkEvent validates a status event; its units turned real.
func checkEvent(i int, e *store.BonusEvent) (int64, error) {
	if e.ID == "" {
		return 0, fmt.Errorf("status event %d: %w: no event id", i, store.ErrBonus)
	}
	if !e.Status.Valid() {
		return 0, fmt.Errorf("status event %q: %w: status %q is none of %v", e.ID, store.ErrBonus, e.Status, store.BonusStatuses)
	}
	if !storable(e.At) || !storable(e.Received) {
		return 0, fmt.Errorf("status event %q: %w: time out of range", e.ID, store.ErrBonus)
	}
	if !e.HasAmount {
		return 0, nil
	}
	u, err := store.Units(e.Amount)
	if err != nil {
		return 0, fmt.Errorf("status event %q: %w", e.ID, err)
	}
	return u, nil
}

// ReportStatus implements store.Bonuses.
func (s *Store) ReportStatus(ctx context.Context, events []store.BonusEvent) ([]store.BonusResult, error) {
	events = slices.Clone(events) // a time taken from Received is set below, not in the caller's
	units := make([]int64, len(events))
	hashes := make([][]byte, len(events))
	for i := range events {
		var err error
		if units[i], err = checkEvent(i, &events[i]); err != nil {
			return nil, err
		}
		hashes[i] = eventHash(&events[i]) // of the event as sent: without a time, the same whenever it comes
		if events[i].At.IsZero() {
			events[i].At = events[i].Received
		}
	}
	var out []store.BonusResult
	err := s.D.Begin(ctx, func(ex Execer) error {
		out = make([]store.BonusResult, len(events))
		for i := range events {
			r, err := s.reportOne(ctx, ex, &events[i], units[i], hashes[i])
			if err != nil {
				return fmt.Errorf("status event %q: %w", events[i].ID, err)
			}
			out[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// seenEvent is the result of an event whose id is taken: a duplicate, or
// an anomaly when its content differs; ok is false when the id is free.
func (s *Store) seenEvent(ctx context.Context, ex Execer, e *store.BonusEvent, hash []byte) (r store.BonusResult, ok bool, err error) {
	var h []byte
	var bonus string
	err = ex.QueryRow(ctx, `SELECT hash, bonus FROM bonus_events WHERE event_id = $1`, e.ID).Scan(&h, &bonus)
	if s.D.NoRows(err) {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	if bonus != "" {
		if r.Bonus, err = scanBonus(ex.QueryRow(ctx, `SELECT `+bonusCols+` FROM bonuses WHERE id = $1`, bonus)); err != nil && !s.D.NoRows(err) {
			return r, false, err
		}
	}
	if string(h) == string(hash) {
		r.Result = store.BonusDuplicate
		return r, true, nil
	}
	r, err = s.anomaly(ctx, ex, e, hash, r.Bonus, store.AnomalyEventConflict, "event id seen before with other content")
	return r, true, err
}

// anomaly keeps an event that was not applied and reports it.
func (s *Store) anomaly(ctx context.Context, ex Execer, e *store.BonusEvent, hash []byte, b store.Bonus, kind, detail string) (store.BonusResult, error) {
	_, err := ex.Exec(ctx, `INSERT INTO bonus_anomalies (event_id, kind, hash, bonus, detail, body, received_ns) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT DO NOTHING`, e.ID, kind, hash, b.ID, detail, nonNil(e.Body), nanos(e.Received))
	return store.BonusResult{Result: store.BonusAnomalous, Anomaly: kind, Detail: detail, Bonus: b}, err
}

// findBonus is the bonus an event names, locked where rows are locked:
// by id, or by its references. n is the number found (0, 1 or 2 for
// several).
func (s *Store) findBonus(ctx context.Context, ex Execer, e *store.BonusEvent) (b store.Bonus, n int, err error) {
	var rows Rows
	if e.Bonus != "" {
		rows, err = ex.Query(ctx, `SELECT `+bonusCols+` FROM bonuses b WHERE id = $1`+s.D.ForUpdate("b"), e.Bonus)
	} else {
		rows, err = ex.Query(ctx, `SELECT `+bonusCols+` FROM bonuses b WHERE activity = $1 AND action = $2 AND player = $3 AND trigger_hash = $4
			ORDER BY seq LIMIT 2`+s.D.ForUpdate("b"), e.Refs.Activity, e.Refs.Action, e.Player, e.Refs.TriggerHash)
	}
	if err != nil {
		return b, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		if b, err = scanBonus(rows); err != nil {
			return b, 0, err
		}
		n++
	}
	return b, n, rows.Err()
}

// mismatch names the first reference of the event that differs from its
// bonus's, "" when none does; a reference the event leaves empty is not
// compared.
func mismatch(e *store.BonusEvent, b *store.Bonus) string {
	for _, f := range []struct{ name, got, want string }{
		{"player", e.Player, b.Player}, {"activity", e.Refs.Activity, b.Refs.Activity},
		{"action group", e.Refs.ActionGroup, b.Refs.ActionGroup}, {"action", e.Refs.Action, b.Refs.Action},
		{"trigger hash", e.Refs.TriggerHash, b.Refs.TriggerHash}, {"id", e.Refs.ID, b.Refs.ID},
		{"communication profile", e.Refs.CommunicationProfile, b.Refs.CommunicationProfile},
	} {
		if f.got != "" && f.got != f.want {
			return fmt.Sprintf("%s %q, the bonus has %q", f.name, f.got, f.want)
		}
	}
	return ""
}

// reportOne applies one status event.
func (s *Store) reportOne(ctx context.Context, ex Execer, e *store.BonusEvent, u int64, hash []byte) (store.BonusResult, error) {
	if r, ok, err := s.seenEvent(ctx, ex, e, hash); ok || err != nil {
		return r, err
	}
	b, n, err := s.findBonus(ctx, ex, e)
	if err != nil {
		return store.BonusResult{}, err
	}
	switch {
	case n == 0 && e.Bonus == "" && (e.Refs.Activity == "" || e.Refs.Action == "" || e.Player == "" || e.Refs.TriggerHash == ""):
		return s.anomaly(ctx, ex, e, hash, store.Bonus{}, store.AnomalyUnknownBonus,
			"no bonus id, and not all of activity, action, player and trigger hash")
	case n == 0 && e.Bonus != "":
		return s.anomaly(ctx, ex, e, hash, store.Bonus{}, store.AnomalyUnknownBonus, fmt.Sprintf("no bonus %q", e.Bonus))
	case n == 0:
		return s.anomaly(ctx, ex, e, hash, store.Bonus{}, store.AnomalyUnknownBonus, fmt.Sprintf(
			"no bonus of activity %q, action %q, player %q, trigger hash %q", e.Refs.Activity, e.Refs.Action, e.Player, e.Refs.TriggerHash))
	}
	kind, detail := "", ""
	switch m := mismatch(e, &b); {
	case n > 1:
		b = store.Bonus{}
		kind, detail = store.AnomalyAmbiguous, "the references match bonuses of several sources: name the bonus by its id"
	case m != "":
		kind, detail = store.AnomalyReferencesMismatch, m
	case e.Status == store.BonusCompleted && e.HasAmount && e.Currency != "" && b.Currency != "" && e.Currency != b.Currency:
		kind, detail = store.AnomalyCurrencyMismatch, fmt.Sprintf("turned real in %s, granted in %s", e.Currency, b.Currency)
	case !e.At.IsZero() && e.At.Before(b.Granted.Add(-store.BonusGrantSkew)):
		kind, detail = store.AnomalyBeforeGrant, fmt.Sprintf("%s at %s, before the bonus was granted at %s", e.Status, e.At.Format(time.RFC3339Nano), b.Granted.Format(time.RFC3339Nano))
	case b.Status.Terminal() && e.Status == store.BonusCreated:
		kind, detail = store.AnomalyCreatedAfter, fmt.Sprintf("the bonus is %s since %s", b.Status, b.StatusAt.Format(time.RFC3339Nano))
	case b.Status.Terminal():
		kind, detail = store.AnomalyTerminalAgain, fmt.Sprintf("%s after %s (since %s)", e.Status, b.Status, b.StatusAt.Format(time.RFC3339Nano))
	}
	result := store.BonusApplied
	if kind != "" {
		result = kind
	}
	amount := ""
	if e.HasAmount {
		amount = exact(e.Amount)
	}
	var seq int64
	err = ex.QueryRow(ctx, `INSERT INTO bonus_events (event_id, hash, bonus, status, amount, currency, at_ns, received_ns, result)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING seq`,
		e.ID, hash, b.ID, string(e.Status), amount, e.Currency, nanos(e.At), nanos(e.Received), result).Scan(&seq)
	if s.D.NoRows(err) {
		// Another transaction took the id since it was looked up.
		if r, ok, err := s.seenEvent(ctx, ex, e, hash); ok || err != nil {
			return r, err
		}
		return store.BonusResult{}, fmt.Errorf("event id neither free nor taken")
	}
	if err != nil {
		return store.BonusResult{}, err
	}
	if kind != "" {
		return s.anomaly(ctx, ex, e, hash, b, kind, detail)
	}
	if e.Status.Terminal() {
		realAmount, realUnits := decimal.Zero, int64(0)
		if e.Status == store.BonusCompleted {
			realAmount, realUnits = b.Amount, mustUnits(b.Amount)
			if e.HasAmount {
				realAmount, realUnits = e.Amount, u
			}
		}
		at := fromNanos(max(nanos(e.At), 1))
		n, err := ex.Exec(ctx, `UPDATE bonuses SET status = $2, status_ns = $3, real_amount = $4, real_units = $5,
			currency = CASE WHEN currency = '' THEN $6 ELSE currency END
			WHERE id = $1 AND status = 'Created'`, b.ID, string(e.Status), nanos(at), exact(realAmount), realUnits, e.Currency)
		if err != nil {
			return store.BonusResult{}, err
		}
		if n != 1 {
			return store.BonusResult{}, fmt.Errorf("bonus %s: not Created any more while locked", b.ID)
		}
		b.Status, b.StatusAt, b.Real = e.Status, at, realAmount
		if b.Currency == "" {
			b.Currency = e.Currency
		}
	}
	if _, err := ex.Exec(ctx, `UPDATE bonus_anomalies SET resolved_ns = $2 WHERE event_id = $1 AND kind = $3 AND resolved_ns = 0`,
		e.ID, max(nanos(e.Received), 1), store.AnomalyUnknownBonus); err != nil {
		return store.BonusResult{}, err
	}
	return store.BonusResult{Result: store.BonusApplied, Bonus: b}, nil
}

// mustUnits is the units of an amount that was stored, and so fits.
func mustUnits(d decimal.Decimal) int64 {
	u, err := store.Units(d)
	if err != nil {
		panic(fmt.Sprintf("stored amount %s: %v", d, err))
	}
	return u
}

// Bonus implements store.Bonuses.
func (s *Store) Bonus(ctx context.Context, id string) (store.Bonus, bool, error) {
	var b store.Bonus
	err := s.D.Read(ctx, func(ex Execer) error {
		var err error
		b, err = scanBonus(ex.QueryRow(ctx, `SELECT `+bonusCols+` FROM bonuses WHERE id = $1`, id))
		return err
	})
	if s.D.NoRows(err) {
		return store.Bonus{}, false, nil
	}
	if err != nil {
		return store.Bonus{}, false, err
	}
	return b, true, nil
}

// ListBonuses implements store.Bonuses.
func (s *Store) ListBonuses(ctx context.Context, campaign string, after int64, limit int) ([]store.Bonus, error) {
	var out []store.Bonus
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		b, err := scanBonus(r)
		out = append(out, b)
		return err
	}, `SELECT `+bonusCols+` FROM bonuses WHERE ($1 = '' OR campaign = $1) AND seq > $2 ORDER BY seq LIMIT $3`, campaign, after, limit)
	return out, err
}

// BonusEvents implements store.Bonuses.
func (s *Store) BonusEvents(ctx context.Context, bonus string, after int64, limit int) ([]store.BonusEventRecord, error) {
	var out []store.BonusEventRecord
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		var e store.BonusEventRecord
		var status, amount string
		var at, received int64
		if err := r.Scan(&e.Seq, &e.ID, &e.Bonus, &status, &amount, &e.Currency, &at, &received, &e.Result); err != nil {
			return err
		}
		e.Status, e.At, e.Received = store.BonusStatus(status), fromNanos(at), fromNanos(received)
		if amount != "" {
			var err error
			if e.Amount, err = decimal.NewFromString(amount); err != nil {
				return fmt.Errorf("status event %s: stored amount %q: %w", e.ID, amount, err)
			}
		}
		out = append(out, e)
		return nil
	}, `SELECT seq, event_id, bonus, status, amount, currency, at_ns, received_ns, result FROM bonus_events
		WHERE ($1 = '' OR bonus = $1) AND seq > $2 ORDER BY seq LIMIT $3`, bonus, after, limit)
	return out, err
}

// BonusAnomalies implements store.Bonuses.
func (s *Store) BonusAnomalies(ctx context.Context, after int64, limit int) ([]store.BonusAnomaly, error) {
	var out []store.BonusAnomaly
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		var a store.BonusAnomaly
		var received, resolved int64
		if err := r.Scan(&a.Seq, &a.Event, &a.Kind, &a.Bonus, &a.Detail, &a.Body, &received, &resolved); err != nil {
			return err
		}
		a.Received, a.Resolved = fromNanos(received), fromNanos(resolved)
		out = append(out, a)
		return nil
	}, `SELECT seq, event_id, kind, bonus, detail, body, received_ns, resolved_ns FROM bonus_anomalies WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	return out, err
}

// sumOf reads a sum of units written as text (an exact integer of any
// size, or the database's numeric) as an amount.
func sumOf(s string) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	d, err := decimal.NewFromString(s)
	if err != nil {
		return d, fmt.Errorf("sum %q: %w", s, err)
	}
	return d.Shift(-store.Scale), nil
}

// BonusTotals implements store.Bonuses. The sums are of integer units, in
// the database, exact.
func (s *Store) BonusTotals(ctx context.Context, campaign string) ([]store.BonusTotals, error) {
	var out []store.BonusTotals
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		var t store.BonusTotals
		var granted, real string
		if err := r.Scan(&t.Source, &t.Campaign, &t.Currency, &granted, &real, &t.Count, &t.Completed, &t.Forfeited, &t.Lost, &t.Expired); err != nil {
			return err
		}
		var err error
		if t.Granted, err = sumOf(granted); err != nil {
			return err
		}
		t.Real, err = sumOf(real)
		out = append(out, t)
		return err
	}, `SELECT source, campaign, currency, CAST(SUM(units) AS TEXT), CAST(SUM(real_units) AS TEXT), COUNT(*),
		SUM(CASE WHEN status = 'Completed' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'Forfeited' THEN 1 ELSE 0 END),
		SUM(CASE WHEN status = 'Lost' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'Expired' THEN 1 ELSE 0 END)
		FROM bonuses WHERE ($1 = '' OR campaign = $1) GROUP BY source, campaign, currency ORDER BY source, campaign, currency`, campaign)
	return out, err
}

const dayNanos = int64(24 * time.Hour)

// BonusDays implements store.Bonuses.
func (s *Store) BonusDays(ctx context.Context, campaign string) ([]store.BonusDay, error) {
	var out []store.BonusDay
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		var d store.BonusDay
		var day int64
		var granted, real string
		if err := r.Scan(&d.Source, &d.Campaign, &d.Currency, &day, &granted, &real); err != nil {
			return err
		}
		d.Day = time.Unix(0, day*dayNanos).UTC()
		var err error
		if d.Granted, err = sumOf(granted); err != nil {
			return err
		}
		d.Real, err = sumOf(real)
		out = append(out, d)
		return err
	}, `SELECT source, campaign, currency, day, CAST(SUM(g) AS TEXT), CAST(SUM(r) AS TEXT) FROM (
			SELECT source, campaign, currency, granted_ns / $2 AS day, units AS g, 0 AS r FROM bonuses WHERE ($1 = '' OR campaign = $1)
			UNION ALL
			SELECT source, campaign, currency, status_ns / $2, 0, real_units FROM bonuses WHERE ($1 = '' OR campaign = $1) AND status = 'Completed'
		) t GROUP BY source, campaign, currency, day ORDER BY source, campaign, currency, day`, campaign, dayNanos)
	return out, err
}
