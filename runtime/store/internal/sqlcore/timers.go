package sqlcore

import (
	"context"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// setTimers writes the timers of a change: a zero Due deletes the timer of
// its player and rule, any other replaces it.
func setTimers(ctx context.Context, ex Execer, timers []store.Timer) error {
	for _, t := range timers {
		var err error
		if t.Due.IsZero() {
			_, err = ex.Exec(ctx, `DELETE FROM timers WHERE player = $1 AND rule = $2`, t.Player, t.Rule)
		} else {
			_, err = ex.Exec(ctx, `INSERT INTO timers (player, rule, due_ns) VALUES ($1, $2, $3)
				ON CONFLICT (player, rule) DO UPDATE SET due_ns = excluded.due_ns`, t.Player, t.Rule, t.Due.UnixNano())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Due implements store.Store.
func (s *Store) Due(ctx context.Context, until time.Time, limit int) ([]store.Timer, error) {
	var out []store.Timer
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		var t store.Timer
		var due int64
		if err := r.Scan(&t.Player, &t.Rule, &due); err != nil {
			return err
		}
		t.Due = time.Unix(0, due).UTC()
		out = append(out, t)
		return nil
	}, `SELECT player, rule, due_ns FROM timers WHERE due_ns <= $1 ORDER BY due_ns, player, rule LIMIT $2`, bound(until), limit)
	return out, err
}
