package sqlcore

import (
	"context"
	"sync"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// assignReq is one call of Assign waiting to be committed.
type assignReq struct {
	ctx     context.Context // the caller's: a request whose context ended is not written
	offer   string
	players []string
	at      time.Time
}

// assignDone is what a waiting Assign is told: its assignments or its
// error, or that it leads the next group.
type assignDone struct {
	out  []store.Assignment
	err  error
	lead bool
}

type assignWaiter struct {
	req  assignReq
	done chan assignDone
}

// assignGroupMax bounds the calls committed together.
const assignGroupMax = 256

// assignGroup commits the assignments asked for at once in one
// transaction (a group commit), where the database has one writer: one
// commit, one fsync, for all of them, instead of one each, which is what
// bounds one assignment a transaction (about a thousand a second). Each
// call is all or nothing within the group, under a savepoint of its own:
// one that fails (too few codes, an unknown offer) is rolled back alone,
// and the others are committed. Nothing else changes: the assignments are
// decided one after the other in one writer's transaction, as before, so
// a code is still never taken twice; a group whose commit fails tells
// every call of it the error, and none of them is stored.
//
// The call that finds no group being written leads: it writes the
// waiting calls (its own first), then hands the lead to the first call
// that arrived meanwhile.
type assignGroup struct {
	mu       sync.Mutex
	pending  []*assignWaiter
	flushing bool
}

func (g *assignGroup) do(ctx context.Context, s *Store, r assignReq) ([]store.Assignment, error) {
	w := &assignWaiter{req: r, done: make(chan assignDone, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, w)
	if g.flushing {
		g.mu.Unlock()
		d := <-w.done
		if !d.lead {
			return d.out, d.err
		}
		g.mu.Lock() // w leads, and is pending[0]
	}
	g.flushing = true
	n := min(len(g.pending), assignGroupMax)
	group := g.pending[:n:n]
	g.pending = append([]*assignWaiter(nil), g.pending[n:]...)
	g.mu.Unlock()

	// The group is written even when this call's context ends: the
	// others wait for it.
	results := s.assignGroupTx(context.WithoutCancel(ctx), group)

	g.mu.Lock()
	if len(g.pending) > 0 {
		g.pending[0].done <- assignDone{lead: true}
	} else {
		g.flushing = false
	}
	g.mu.Unlock()
	for i, w := range group[1:] {
		w.done <- results[i+1]
	}
	return results[0].out, results[0].err
}

// assignGroupTx writes a group of calls in one transaction, each under a
// savepoint, and returns what became of each once committed.
func (s *Store) assignGroupTx(ctx context.Context, group []*assignWaiter) []assignDone {
	results := make([]assignDone, len(group))
	err := s.D.Begin(ctx, func(ex Execer) error {
		for i, w := range group {
			r := w.req
			if err := r.ctx.Err(); err != nil {
				results[i] = assignDone{err: err}
				continue
			}
			if _, err := ex.Exec(ctx, "SAVEPOINT assign"); err != nil {
				return err
			}
			out, err := s.assignIn(ctx, ex, r.offer, r.players, r.at)
			if err != nil {
				if _, err := ex.Exec(ctx, "ROLLBACK TO SAVEPOINT assign"); err != nil {
					return err
				}
				out = nil
			}
			if _, err := ex.Exec(ctx, "RELEASE SAVEPOINT assign"); err != nil {
				return err
			}
			results[i] = assignDone{out: out, err: err}
		}
		return nil
	})
	if err != nil {
		for i := range results {
			results[i] = assignDone{err: err}
		}
	}
	return results
}
