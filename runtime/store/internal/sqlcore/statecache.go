package sqlcore

import (
	"context"
	"sync"

	"github.com/promoc/promoc/runtime/store"
)

// The batch path checks each change's states against their stored
// versions (optimistic concurrency: another writer, another engine, an
// erasure may have changed one since the engine read it). Reading those
// versions cost a b-tree seek a state, and the batch then seeks the same
// rows again to write them. Two things spare most of those reads where the
// database has one writer:
//
//   - A state the batch's first change of it says is new (version 0) is
//     assumed absent, not read: it is then written by an INSERT that must
//     insert every row (insertRows with all), so a row there after all is
//     errBatchRace, and the batch goes again one change at a time, which
//     reads every version. A change found in conflict on a state assumed
//     absent makes the batch unsure in the same way: the assumption, not
//     the database, may be what differs.
//   - The versions the writer itself committed are kept (stateCache) and
//     trusted in its next transaction when nothing else can have changed a
//     state meanwhile, which the dialect tells (Turns): no other
//     connection committed (another process, another store on the file)
//     and the writer ran no other transaction, except those begun with
//     BeginKeeping, which write no state. Anything else (a commit
//     elsewhere, an erasure, a batch that failed or went one change at a
//     time, a transaction of WithAudit) makes the next batch find the
//     cache stale: it is emptied and the versions are read again.
//
// The states the batch neither finds in the cache nor assumes absent are
// read in one query, as before.

// Turn is where a transaction of the one writer found the database (see
// Turns). Turns are compared whole.
type Turn struct {
	Conn any    // the writer's connection, as its driver knows it
	Data int64  // the connection's count of other connections' commits
	Tx   uint64 // the writer's transactions that may have written a state
}

// next is the Turn of the writer's next transaction when this one commits
// and nothing else changes the database before it.
func (t Turn) next() Turn {
	t.Tx++
	return t
}

// Turns is a Dialect of one writer connection that tells a transaction
// whether the database changed since the writer's previous transaction.
type Turns interface {
	Dialect
	// Turn is, in a transaction of Begin, where the transaction found the
	// database. It equals next of the Turn of the writer's previous
	// transaction only when that transaction committed and, since, no
	// other connection committed and the writer ran no transaction other
	// than those of BeginKeeping.
	Turn(ctx context.Context, ex Execer) (Turn, error)
	// BeginKeeping is Begin (BeginLazy of a LazyBeginner when lazy) for
	// a transaction that writes no state (rule_state): it leaves the Turn
	// of the next transaction as it was.
	BeginKeeping(ctx context.Context, lazy bool, fn func(Execer) error) error
}

// beginKeeping runs fn in a transaction that writes no state: a Turns
// dialect's BeginKeeping, Begin elsewhere.
func (s *Store) beginKeeping(ctx context.Context, fn func(Execer) error) error {
	return s.beginKeepingLazy(ctx, false, fn)
}

// beginKeepingLazy is beginKeeping, lazy as LazyBeginner's BeginLazy
// where the dialect is one and lazy is set.
func (s *Store) beginKeepingLazy(ctx context.Context, lazy bool, fn func(Execer) error) error {
	if t, ok := s.D.(Turns); ok {
		return t.BeginKeeping(ctx, lazy, fn)
	}
	if lb, ok := s.D.(LazyBeginner); ok && lazy {
		return lb.BeginLazy(ctx, fn)
	}
	return s.D.Begin(ctx, fn)
}

// maxCachedStates bounds the versions a stateCache keeps (about 60 bytes
// each): past it the cache starts empty again. It holds the states of
// about 150,000 players of the engine benchmark's ten rules.
const maxCachedStates = 1 << 19

// stateCache keeps the versions of the states the one writer committed,
// exact in the transaction whose Turn is next (see Turns). Version 0
// (absent) is not kept.
type stateCache struct {
	mu   sync.Mutex
	next Turn
	vs   map[[2]string]int64
}

// batchVersions fills the plan's versions of the states of changes: from
// the cache where it is exact, assumed absent for a state its first change
// says is new, read for the others.
func (s *Store) batchVersions(ctx context.Context, ex Execer, changes []store.Change, p *plan) error {
	p.vs, p.assumed = versions{}, map[[2]string]bool{}
	var cached map[[2]string]int64
	if t, ok := s.D.(Turns); ok {
		turn, err := t.Turn(ctx, ex)
		if err != nil {
			return err
		}
		p.turn, p.turned = turn, true
		c := &s.states
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.vs == nil || c.next != turn {
			c.vs = map[[2]string]int64{} // stale, or never filled
		}
		cached = c.vs
	}
	var players, rules []string
	for _, c := range changes {
		for _, st := range c.States {
			k := [2]string{st.Player, st.Rule}
			if _, ok := p.vs[k]; ok {
				continue
			}
			if v, ok := cached[k]; ok {
				p.vs[k], p.existed[k] = v, true
				continue
			}
			p.vs[k] = 0
			if st.Version == 0 {
				p.assumed[k] = true
				continue
			}
			players, rules = append(players, st.Player), append(rules, st.Rule)
		}
	}
	return s.stateVersions(ctx, ex, players, rules, func(k [2]string, v int64) {
		p.vs[k], p.existed[k] = v, v > 0
		p.fetched = append(p.fetched, k)
	})
}

// keepStates keeps in the cache the versions the plan's transaction read
// and wrote, once it wrote everything: a state read, or written (found in
// the cache, read, or assumed absent and then inserted), has the version
// the plan ends with; a state found in the cache and not written has the
// version the cache holds, and a state assumed absent and not written is
// not kept. It runs in the transaction, last: a commit that then fails
// leaves the next transaction a Turn that does not follow (Turns).
func (s *Store) keepStates(p *plan) {
	if p == nil || !p.turned {
		return
	}
	c := &s.states
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.vs == nil || len(c.vs)+len(p.fetched)+len(p.stateOrder) > maxCachedStates {
		c.vs = map[[2]string]int64{}
	}
	for _, k := range p.fetched {
		if v := p.vs[k]; v > 0 {
			c.vs[k] = v
		}
	}
	for _, k := range p.stateOrder {
		c.vs[k] = p.vs[k]
	}
	c.next = p.turn.next()
}

// touchesAssumed reports whether change c writes a state the plan assumed
// absent.
func (p *plan) touchesAssumed(c *store.Change) bool {
	for _, st := range c.States {
		if p.assumed[[2]string{st.Player, st.Rule}] {
			return true
		}
	}
	return false
}
