package sqlcore

import (
	"context"
	"strconv"
	"strings"

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
func endRequests(ctx context.Context, ex Execer, changes []store.Change, out []store.Applied) ([]*store.RequestEnd, error) {
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
			all, err := allSeen(ctx, ex, missing)
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

// seenChunk bounds the events of one query of allSeen (two parameters
// each).
const seenChunk = 400

// allSeen says whether every one of refs (each once) is recorded as seen.
func allSeen(ctx context.Context, ex Execer, refs []store.EventRef) (bool, error) {
	for len(refs) > 0 {
		part := refs[:min(len(refs), seenChunk)]
		refs = refs[len(part):]
		var q strings.Builder
		q.WriteString(`SELECT count(*) FROM events_seen WHERE (player, event_id) IN (VALUES `)
		args := make([]any, 0, 2*len(part))
		for i, r := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("($" + strconv.Itoa(2*i+1) + ", $" + strconv.Itoa(2*i+2) + ")")
			args = append(args, r.Player, r.ID)
		}
		q.WriteString(")")
		var n int64
		if err := ex.QueryRow(ctx, q.String(), args...).Scan(&n); err != nil {
			return false, err
		}
		if n != int64(len(part)) {
			return false, nil
		}
	}
	return true, nil
}

// markWritten marks the ends a committed transaction recorded.
func markWritten(done []*store.RequestEnd) {
	for _, e := range done {
		e.Written.Store(true)
	}
}
