package sqlcore

import (
	"context"
	"fmt"

	"github.com/promoc/promoc/runtime/store"
)

// WithRequestEnds implements store.RequestEnds: Apply records the ends in
// its transaction (endRequests).
func (s *Store) WithRequestEnds(ctx context.Context, ends []*store.RequestEnd) context.Context {
	return store.ContextWithRequestEnds(ctx, ends)
}

// endMark is an end a transaction recorded: done (Written once the
// transaction is committed), or begun (an Unstarted end's start, Begun).
type endMark struct {
	end  *store.RequestEnd
	done bool
}

// endRequests records, in the transaction of ex that applied changes (out
// says how), the ends of ctx that have an event among the changes and
// whose events are all stored, and the starts of the Unstarted ones that
// have one (store.RequestEnd.Unstarted), and returns those it recorded:
// marked by the caller once the transaction is committed (markWritten).
func (s *Store) endRequests(ctx context.Context, ex Execer, changes []store.Change, out []store.Applied) ([]endMark, error) {
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
	var marks []endMark
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
		all := true
		if len(missing) > 0 {
			var err error
			if all, err = s.allSeen(ctx, ex, missing); err != nil {
				return nil, err
			}
		}
		r := e.Request
		if e.Unstarted && !e.Begun.Load() {
			// Its start, done when its events are all stored.
			status := 0
			if all {
				status = e.Status
			}
			n, err := ex.Exec(ctx, `INSERT INTO requests (scope, idem_key, fingerprint, started_ns, status) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT DO NOTHING`, r.Scope, r.Key, nonNil(r.Fingerprint), nanos(r.Started), status)
			if err != nil {
				return nil, err
			}
			if n != 1 {
				return nil, fmt.Errorf("request %q: %w", r.Key, store.ErrRequestTaken)
			}
			marks = append(marks, endMark{end: e, done: all})
			continue
		}
		if !all {
			continue // an event not stored (yet): a later transaction's end
		}
		n, err := ex.Exec(ctx, `UPDATE requests SET status = $3, response = NULL
			WHERE scope = $1 AND idem_key = $2 AND status = 0 AND fingerprint = $4 AND started_ns = $5`,
			r.Scope, r.Key, e.Status, nonNil(r.Fingerprint), nanos(r.Started))
		if err != nil {
			return nil, err
		}
		if n == 1 {
			marks = append(marks, endMark{end: e, done: true})
		}
	}
	return marks, nil
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
func markWritten(marks []endMark) {
	for _, m := range marks {
		if m.done {
			m.end.Written.Store(true)
		} else {
			m.end.Begun.Store(true)
		}
	}
}
