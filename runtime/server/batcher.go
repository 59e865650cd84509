package server

import (
	"context"
	"errors"
	"sync"

	"github.com/promoc/promoc/runtime/engine"
)

// batcher commits the events of concurrent POST /v1/events requests
// together: one Engine.Handle, one store transaction and one fsync for a
// group of requests instead of one each (group commit). The store has one
// writer, so that the requests would otherwise wait in turn for each
// other's commits.
//
// Nothing waits to form a group: a request that comes when no Handle runs
// starts one at once, alone; the requests that come while a Handle runs
// make the next group. Each request keeps the answer it would have had
// alone:
//
//   - A group holds at most Config.MaxEvents events, the engine's batch
//     size, so that it is one store transaction: all of it is stored or
//     none of it.
//   - The requests of a group have no player in common, so that the
//     outcomes of the group go back to their requests by player, and the
//     engine sees each player's events in the order the requests came.
//     A request with a player of an earlier request still waiting waits
//     behind it, for a later group.
//   - An event the engine refuses (*engine.EventError) fails its request
//     alone, with the index of the event in that request; the other
//     requests of the group run again without it (the engine stores
//     nothing of a call with a refused event). Any other error, or a
//     panic, runs each request of the group alone, as it would have run
//     without grouping; a panic of a request alone is raised again in the
//     request's own goroutine, where the server's handler recovers it.
type batcher struct {
	engine    func() *engine.Engine // the engine running (a deployment replaces it): read once per group
	maxEvents int

	mu      sync.Mutex
	queue   []*pending
	running bool // a goroutine is running groups
}

// pending is one request's events, waiting for their group.
type pending struct {
	evs     []engine.Event
	players map[string]bool
	outs    []engine.Outcome
	seen    []bool // the events handled before (Engine.HandleSeen)
	err     error
	panic   any // what Handle panicked with, or nil
	done    chan struct{}
}

// newPending is one request of evs, waiting for its group.
func newPending(evs ...engine.Event) *pending {
	p := &pending{evs: evs, players: make(map[string]bool, len(evs)), done: make(chan struct{})}
	for i := range evs {
		p.players[evs[i].Player] = true
	}
	return p
}

func newBatcher(engine func() *engine.Engine, maxEvents int) *batcher {
	return &batcher{engine: engine, maxEvents: maxEvents}
}

// handle runs the events of one request (at most maxEvents) and returns
// their outcomes, and which were handled before, as Engine.HandleSeen
// does for them alone. It waits for the
// group's commit whatever ctx does: an event acknowledged is stored, and
// one not acknowledged may be stored all the same (the engine makes a
// retry with the same event ids change nothing).
func (b *batcher) handle(ctx context.Context, evs []engine.Event) ([]engine.Outcome, []bool, error) {
	p := newPending(evs...)
	b.mu.Lock()
	b.queue = append(b.queue, p)
	if !b.running {
		b.running = true
		// A group is no one request's: it runs under none of their
		// contexts (values, cancellation).
		go b.run(context.Background())
	}
	b.mu.Unlock()
	<-p.done
	if p.panic != nil {
		panic(p.panic)
	}
	return p.outs, p.seen, p.err
}

// run handles groups until the queue is empty.
func (b *batcher) run(ctx context.Context) {
	for {
		b.mu.Lock()
		group := b.take()
		if len(group) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.commit(ctx, group)
	}
}

// take removes the next group from the queue (b.mu held): requests in
// order, while they fit maxEvents and share no player with the group or
// with a request left waiting before them.
func (b *batcher) take() []*pending {
	var group []*pending
	var blocked map[string]bool // players of the group and of requests left waiting
	events := 0
	rest := b.queue[:0]
	for _, p := range b.queue {
		ok := events+len(p.evs) <= b.maxEvents || len(group) == 0
		if ok && len(group) > 0 {
			for pl := range p.players {
				if blocked[pl] {
					ok = false
					break
				}
			}
		}
		if blocked == nil {
			blocked = map[string]bool{}
		}
		for pl := range p.players {
			blocked[pl] = true
		}
		if ok {
			group = append(group, p)
			events += len(p.evs)
		} else {
			rest = append(rest, p)
		}
	}
	clear(b.queue[len(rest):])
	b.queue = rest
	return group
}

// commit runs a group through the engine and answers its requests.
func (b *batcher) commit(ctx context.Context, group []*pending) {
	eng := b.engine()
	for len(group) > 0 {
		if len(group) == 1 {
			group[0].finish(call(ctx, eng, group[0].evs))
			return
		}
		var evs []engine.Event
		for _, p := range group {
			evs = append(evs, p.evs...)
		}
		outs, seen, err, pv := call(ctx, eng, evs)
		if err == nil && pv == nil {
			split(group, outs, seen)
			return
		}
		var ee *engine.EventError
		if pv != nil || !errors.As(err, &ee) || ee.Index < 0 || ee.Index >= len(evs) {
			for _, p := range group {
				p.finish(call(ctx, eng, p.evs))
			}
			return
		}
		// The request with the refused event fails alone; the others run
		// again.
		i, at := 0, ee.Index
		for at >= len(group[i].evs) {
			at -= len(group[i].evs)
			i++
		}
		e := *ee
		e.Index = at
		group[i].finish(nil, nil, &e, nil)
		group = append(group[:i:i], group[i+1:]...)
	}
}

// call is eng.HandleSeen, with what it panicked with, if it did.
func call(ctx context.Context, eng *engine.Engine, evs []engine.Event) (outs []engine.Outcome, seen []bool, err error, pv any) {
	defer func() {
		if v := recover(); v != nil {
			outs, seen, err, pv = nil, nil, nil, v
		}
	}()
	outs, seen, err = eng.HandleSeen(ctx, evs)
	return outs, seen, err, nil
}

// split gives each request of a group the outcomes of its players, in the
// order the engine returned them, and its part of seen.
func split(group []*pending, outs []engine.Outcome, seen []bool) {
	owner := map[string]*pending{}
	for _, p := range group {
		for pl := range p.players {
			owner[pl] = p
		}
	}
	for _, o := range outs {
		if p := owner[o.Player]; p != nil {
			p.outs = append(p.outs, o)
		}
	}
	at := 0
	for _, p := range group {
		p.finish(p.outs, seen[at:at+len(p.evs)], nil, nil)
		at += len(p.evs)
	}
}

func (p *pending) finish(outs []engine.Outcome, seen []bool, err error, pv any) {
	p.outs, p.seen, p.err, p.panic = outs, seen, err, pv
	close(p.done)
}
