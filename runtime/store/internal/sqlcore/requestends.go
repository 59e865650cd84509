package sqlcore

import (
	"context"

	"github.com/promoc/promoc/runtime/store"
)

// WithRequestEnds implements store.RequestEnds: Apply records the ends in
// its transaction (endRequests).
func (s *Store) WithRequestEnds(ctx context.Context, ends []*store.RequestEnd) context.Context {
	return store.ContextWithRequestEnds(ctx, ends)
}

// endRequests records, in the transaction of ex that applied changes (out
// says how), the ends of ctx that have an event among the changes and
// whose events are all stored, and returns those it recorded: marked
// Written by the caller once the transaction is committed.
func (s *Store) endRequests(ctx context.Context, ex Execer, changes []store.Change, out []store.Applied) ([]*store.RequestEnd, error) {
	ends := store.RequestEndsIn(ctx)
	if len(ends) == 0 {
		return nil, nil
	}
	here := make(map[store.EventRef]bool, len(changes))
	for i, c := range changes {
		if c.Event != nil && out[i].Err == nil { // written, or recorded before (Duplicate)
			here[store.EventRef{Player: c.Event.Player, ID: c.Event.ID}] = true
		}
	}
	var done []*store.RequestEnd
	var missing []store.EventRef
	for _, e := range ends {
		if e.Written.Load() || len(e.Events) == 0 {
			continue
		}
		touched := false
		missing = missing[:0]
		for _, r := range e.Events {
			if here[r] {
				touched = true
			} else {
				missing = append(missing, r)
			}
		}
		if !touched {
			continue // none of its events is in this transaction: another's end
		}
		if len(missing) > 0 {
			all, err := s.allSeen(ctx, ex, missing)
			if err != nil {
				return nil, err
			}
			if !all {
				continue // an event not stored (yet): a later transaction's end
			}
		}
		r := e.Request
		n, err := ex.Exec(ctx, `UPDATE requests SET status = $3, response = NULL
			WHERE scope = $1 AND idem_key = $2 AND status = 0 AND fingerprint = $4 AND started_ns = $5`,
			r.Scope, r.Key, e.Status, nonNil(r.Fingerprint), nanos(r.Started))
		if err != nil {
			return nil, err
		}
		if n == 1 {
			done = append(done, e)
		}
	}
	return done, nil
}

// allSeen says whether every one of refs (each once) is recorded as seen:
// one query joins them, as the dialect's Tuples, to the primary key of
// events_seen (as Seen does).
func (s *Store) allSeen(ctx context.Context, ex Execer, refs []store.EventRef) (bool, error) {
	players := make([]string, len(refs))
	ids := make([]string, len(refs))
	for i, r := range refs {
		players[i], ids[i] = r.Player, r.ID
	}
	from, args := s.D.Tuples(players, ids)
	var n int64
	if err := ex.QueryRow(ctx, `SELECT count(*) FROM `+from+` JOIN events_seen e ON e.player = q.c1 AND e.event_id = q.c2`, args...).Scan(&n); err != nil {
		return false, err
	}
	return n == int64(len(refs)), nil
}

// markWritten marks the ends a committed transaction recorded.
func markWritten(done []*store.RequestEnd) {
	for _, e := range done {
		e.Written.Store(true)
	}
}
