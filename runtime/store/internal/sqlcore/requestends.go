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
				if e.Unstarted {
					if err := startUnstarted(ctx, ex, e, 0); err != nil {
						return nil, err
					}
				}
				continue // an event not stored (yet): a later transaction's end
			}
		}
		r := e.Request
		if e.Unstarted {
			n, err := ex.Exec(ctx, `INSERT INTO requests (scope, idem_key, fingerprint, started_ns, status) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT DO NOTHING`, r.Scope, r.Key, nonNil(r.Fingerprint), nanos(r.Started), e.Status)
			if err != nil {
				return nil, err
			}
			if n == 1 {
				done = append(done, e)
				continue
			}
			// There: started by an earlier transaction of the same
			// request (the UPDATE below), or by another request.
		}
		n, err := ex.Exec(ctx, `UPDATE requests SET status = $3, response = NULL
			WHERE scope = $1 AND idem_key = $2 AND status = 0 AND fingerprint = $4 AND started_ns = $5`,
			r.Scope, r.Key, e.Status, nonNil(r.Fingerprint), nanos(r.Started))
		if err != nil {
			return nil, err
		}
		if n == 1 {
			done = append(done, e)
		} else if e.Unstarted {
			return nil, fmt.Errorf("request %q: %w", r.Key, store.ErrRequestTaken)
		}
	}
	return done, nil
}

// startUnstarted records the start of an Unstarted end, with status (0:
// running), in the transaction of ex, unless this request started it in
// an earlier transaction; the key started by another request is
// ErrRequestTaken.
func startUnstarted(ctx context.Context, ex Execer, e *store.RequestEnd, status int) error {
	r := e.Request
	n, err := ex.Exec(ctx, `INSERT INTO requests (scope, idem_key, fingerprint, started_ns, status) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`, r.Scope, r.Key, nonNil(r.Fingerprint), nanos(r.Started), status)
	if err != nil || n == 1 {
		return err
	}
	var mine int64
	if err := ex.QueryRow(ctx, `SELECT count(*) FROM requests
		WHERE scope = $1 AND idem_key = $2 AND status = 0 AND fingerprint = $3 AND started_ns = $4`,
		r.Scope, r.Key, nonNil(r.Fingerprint), nanos(r.Started)).Scan(&mine); err != nil {
		return err
	}
	if mine == 0 {
		return fmt.Errorf("request %q: %w", r.Key, store.ErrRequestTaken)
	}
	return nil
}

// ReadRequest implements store.RequestReader.
func (s *Store) ReadRequest(ctx context.Context, scope, key string) (store.Request, bool, error) {
	got := store.Request{Scope: scope, Key: key}
	found := false
	err := s.D.Read(ctx, func(ex Execer) error {
		var st, status int64
		err := ex.QueryRow(ctx, `SELECT fingerprint, started_ns, status, response FROM requests WHERE scope = $1 AND idem_key = $2`,
			scope, key).Scan(&got.Fingerprint, &st, &status, &got.Response)
		if s.D.NoRows(err) {
			return nil
		}
		got.Started, got.Status, found = fromNanos(st), int(status), err == nil
		return err
	})
	if err != nil || !found {
		return store.Request{}, false, err
	}
	return got, true, nil
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
