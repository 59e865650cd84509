package sqlcore

import (
	"context"
	"math"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// query runs one query outside write transactions and calls scan on each
// row; a retry starts the scan again with reset.
func (s *Store) query(ctx context.Context, reset func(), scan func(Rows) error, q string, args ...any) error {
	return s.D.Read(ctx, func(ex Execer) error {
		reset()
		rows, err := ex.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// Seen implements store.Store: one query joins the (player, id) pairs to
// the primary key of events_seen.
func (s *Store) Seen(ctx context.Context, events []store.Event) ([]store.SeenStatus, error) {
	out := make([]store.SeenStatus, len(events))
	if len(events) == 0 {
		return out, nil
	}
	players := make([]string, len(events))
	ids := make([]string, len(events))
	for i, e := range events {
		players[i], ids[i] = e.Player, e.ID
	}
	from, args := s.D.Tuples(players, ids)
	err := s.query(ctx, func() { clear(out) }, func(r Rows) error {
		var i int64
		var h []byte
		if err := r.Scan(&i, &h); err != nil {
			return err
		}
		if events[i].Matches(h) {
			out[i] = store.SeenSame
		} else {
			out[i] = store.SeenOther
		}
		return nil
	}, `SELECT q.i, e.hash FROM `+from+` JOIN events_seen e ON e.player = q.c1 AND e.event_id = q.c2`, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// bound is the stored time of a bound of a range, where the zero time is
// before every time.
func bound(t time.Time) int64 {
	switch {
	case t.IsZero() || t.Before(minNanos):
		return math.MinInt64
	case t.After(maxNanos):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// The times that Unix nanoseconds hold (about 1678 to 2262).
var (
	minNanos = time.Unix(0, math.MinInt64).UTC()
	maxNanos = time.Unix(0, math.MaxInt64).UTC()
)

// storable reports whether the store keeps t exactly: the zero time, or a
// time Unix nanoseconds hold.
func storable(t time.Time) bool { return t.IsZero() || !t.Before(minNanos) && !t.After(maxNanos) }

// History implements store.Store.
func (s *Store) History(ctx context.Context, player string, since time.Time) ([]store.Event, error) {
	var out []store.Event
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		e := store.Event{Player: player}
		var at int64
		if err := r.Scan(&e.ID, &e.Hash, &e.Kind, &at, &e.Body); err != nil {
			return err
		}
		e.At, e.Body = fromNanos(at), nonNil(e.Body)
		out = append(out, e)
		return nil
	}, `SELECT event_id, hash, kind, at_ns, body FROM events_seen
		WHERE player = $1 AND at_ns >= $2 AND body IS NOT NULL ORDER BY at_ns, `+s.D.EventOrder(), player, bound(since))
	return out, err
}

// pruneChunk is the number of bodies Prune drops a transaction, so that
// writers wait for it only briefly.
const pruneChunk = 4096

// Prune implements store.Store, in transactions of at most pruneChunk
// events.
func (s *Store) Prune(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.D.Begin(ctx, func(ex Execer) error {
			var err error
			n, err = ex.Exec(ctx, `UPDATE events_seen SET body = NULL WHERE (player, event_id) IN (
				SELECT player, event_id FROM events_seen WHERE at_ns < $1 AND body IS NOT NULL LIMIT $2)`, bound(before), pruneChunk)
			return err
		})
		total += n
		if err != nil || n < pruneChunk {
			return total, err
		}
	}
}
