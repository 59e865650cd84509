package server

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// batcher commits the events of concurrent POST /v1/events requests
// together: one engine call, one store transaction and one fsync for a
// group of requests instead of one each (group commit). The store has one
// writer, so that the requests would otherwise wait in turn for each
// other's commits.
//
// Nothing waits to form a group: a request that comes when no group is
// being decided starts one at once, alone; the requests that come
// meanwhile make the next group. A group is submitted to the engine
// (Engine.SubmitSeen) and answered by a goroutine of its own once it is
// written, so the next group is decided while the store writes the one
// before it (the engine's pipeline, at most its Options.InFlight groups
// decided and not written). Each request keeps the answer it would have
// had alone:
//
//   - A group holds at most Config.MaxEvents events, the engine's batch
//     size, so that it is one store transaction: all of it is stored or
//     none of it; a group of several requests at most maxGroupEvents,
//     and after a stall the backlog goes in pieces (groupPiece). A
//     request is answered only once its group is written.
//   - The requests of a group have no player in common, and none has a
//     player of a request submitted and not yet answered, so that the
//     outcomes of a group go back to their requests by player, and the
//     engine sees each player's events in the order the requests came,
//     even when a group fails and runs again. A request with a player of
//     an earlier request still waiting or in flight waits behind it, for
//     a later group.
//   - An event the engine refuses (*engine.EventError, found as the group
//     is submitted) fails its request alone, with the index of the event
//     in that request; the other requests of the group are submitted
//     again without it (the engine stores nothing of a call with a
//     refused event). A group written nothing of because a group before
//     it failed (engine.ErrAborted) runs again, as a group. Any other
//     error, or a panic, runs each request of the group alone, as it
//     would have run without grouping; a panic of a request alone is
//     raised again in the request's own goroutine, where the server's
//     handler recovers it.
type batcher struct {
	engine    func() *engine.Engine // the engine running (a deployment replaces it): read once per group
	maxEvents int
	// ends records the Idempotency-Keys' ends of a group's requests in
	// the group's own store transaction (store.RequestEnds); nil: the
	// store does not, and the server records them after.
	ends store.RequestEnds

	mu       sync.Mutex
	queue    []*pending
	busy     map[string]bool // the players of the requests submitted and not yet answered
	inFlight int             // the groups submitted and not yet answered
	running  bool            // a goroutine is submitting groups
	last     int             // the events of the group submitted last
}

// groupsAhead bounds the groups submitted and not yet answered: one the
// store writes and one decided meanwhile (the engine's default
// Options.InFlight). The next group is cut only once the first is
// answered, so that it holds every request that came during the write.
// (A group cut while one is in flight finds that one already taken by
// the store's writer, unless another caller's batch is before it: the
// batcher does not wait for Engine.Writing, which would add a goroutine's
// wake-up to the path of every such group on a loaded machine.)
const groupsAhead = 2

// pending is one request's events, waiting for their group.
type pending struct {
	evs     []engine.Event
	players []string          // the players of evs, each once
	end     *store.RequestEnd // the end of its Idempotency-Key, recorded with its events; nil: none
	outs    []engine.Outcome
	seen    []bool // the events handled before (Engine.HandleSeen); nil: none
	err     error
	panic   any // what the engine panicked with, or nil
	done    chan struct{}
	trace   *tracer // nil unless Config.Trace
}

// newPending is one request of evs, waiting for its group.
func newPending(evs ...engine.Event) *pending {
	return &pending{evs: evs, players: playersOf(evs), done: make(chan struct{})}
}

// playersOf is the players of evs, each once, in the order of their first
// events: a slice, cheaper than a map to make and to range over for the
// requests of one or a few events that make most groups.
func playersOf(evs []engine.Event) []string {
	if len(evs) == 1 {
		return []string{evs[0].Player}
	}
	players := make([]string, 0, len(evs))
	if len(evs) <= 16 {
		for i := range evs {
			if !slices.Contains(players, evs[i].Player) {
				players = append(players, evs[i].Player)
			}
		}
		return players
	}
	named := make(map[string]bool, len(evs))
	for i := range evs {
		if pl := evs[i].Player; !named[pl] {
			named[pl] = true
			players = append(players, pl)
		}
	}
	return players
}

func newBatcher(engine func() *engine.Engine, maxEvents int) *batcher {
	return &batcher{engine: engine, maxEvents: maxEvents, busy: map[string]bool{}}
}

// handle runs the events of one request (at most maxEvents) and returns
// their outcomes, and which were handled before, as Engine.HandleSeen
// does for them alone. It waits for the group's commit whatever ctx does:
// an event acknowledged is stored, and one not acknowledged may be stored
// all the same (the engine makes a retry with the same event ids change
// nothing). end, when not nil, is recorded in the transaction that stores
// the request's events, when the store does (b.ends; end.Written says
// whether it was).
func (b *batcher) handle(ctx context.Context, evs []engine.Event, end *store.RequestEnd, tr *tracer) ([]engine.Outcome, []bool, error) {
	p := newPending(evs...)
	p.end, p.trace = end, tr
	b.mu.Lock()
	b.queue = append(b.queue, p)
	b.kick()
	b.mu.Unlock()
	<-p.done
	if p.panic != nil {
		panic(p.panic)
	}
	return p.outs, p.seen, p.err
}

// kick starts the goroutine that submits groups when requests wait, it
// does not run and a group may be submitted (b.mu held). With groupsAhead
// groups in flight none may: the answer of one of them submits what waits
// then (answered), and a goroutine started now would find nothing to take
// (under load, nearly one such goroutine a request came to nothing).
func (b *batcher) kick() {
	if len(b.queue) > 0 && !b.running && b.inFlight < groupsAhead {
		b.running = true
		// A group is no one request's: it runs under none of their
		// contexts (values, cancellation).
		go b.run(context.Background())
	}
}

// run submits groups until none can be taken: the queue is empty, its
// requests wait for players in flight, or groupsAhead are in flight (an
// answer kicks it again).
func (b *batcher) run(ctx context.Context) {
	for {
		b.mu.Lock()
		var group []*pending
		if b.inFlight < groupsAhead {
			group = b.take()
		}
		if len(group) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		b.last = 0
		for _, p := range group {
			for _, pl := range p.players {
				b.busy[pl] = true
			}
			b.last += len(p.evs)
		}
		b.inFlight++
		b.mu.Unlock()
		b.submit(ctx, group)
	}
}

// answered counts a group submitted out of flight, once each of its
// requests is answered, and has the requests that wait submitted when no
// goroutine submits. With a backlog (at least groupPiece events waiting)
// the goroutine that answered runs the submitting itself, at once: started
// in a goroutine of its own (kick), the submitting waits behind the
// requests just woken (the scheduler runs each woken goroutine before the
// one made earlier), which after a stall are 50 to 90 with 30 to 45 µs of
// CPU each, so the next group was decided late and the store's writer
// could wait idle while the backlog grew. Without a backlog a goroutine of
// its own submits, as the answers then go first: the group in flight is
// still being written, and the next is decided in time behind them.
func (b *batcher) answered() {
	b.mu.Lock()
	b.inFlight--
	here := len(b.queue) > 0 && !b.running && b.backlog()
	if here {
		b.running = true
	} else {
		b.kick()
	}
	b.mu.Unlock()
	if here {
		b.run(context.Background())
	}
}

// backlog says whether at least groupPiece events wait in the queue (b.mu
// held).
func (b *batcher) backlog() bool {
	n := 0
	for _, p := range b.queue {
		if n += len(p.evs); n >= groupPiece {
			return true
		}
	}
	return false
}

// maxGroupEvents bounds the events of a group of several requests (a
// request alone may hold up to maxEvents): under a backlog, a group is a
// transaction of a size the engine writes well (its default BatchSize is
// engine.DefaultBatchSize), not of 10,000 events that every request of it would wait for.
// take passes over requests left waiting of at most as many events, so
// that a long queue costs each group a bounded scan.
const maxGroupEvents = 1024

// groupPiece bounds the events of a group of several requests cut with no
// group in flight; one cut while another is written may hold twice as
// many as that one (up to maxGroupEvents), about what can be decided
// meanwhile (engine.PieceLimit). So a backlog after a stall is written in
// pieces, its oldest requests first, each piece decided while the one
// before is written, and a lasting backlog still gets groups of
// maxGroupEvents.
const groupPiece = 64

// take removes the next group from the queue (b.mu held): requests in
// order, while they fit maxEvents, maxGroupEvents and the piece
// (groupPiece) and share no player
// with the group, with a request left waiting before them or with a
// request in flight.
func (b *batcher) take() []*pending {
	var group []*pending
	var blocked map[string]bool // players of the group and of requests left waiting
	events, waiting := 0, 0     // of the group, of the requests left waiting
	limit := engine.PieceLimit(groupPiece, min(b.maxEvents, maxGroupEvents), b.last, b.inFlight > 0)
	rest := b.queue[:0]
	for i, p := range b.queue {
		if events >= limit || waiting >= maxGroupEvents {
			rest = append(rest, b.queue[i:]...) // not looked at: they wait
			break
		}
		ok := events+len(p.evs) <= limit || len(group) == 0
		for _, pl := range p.players {
			if !ok {
				break
			}
			ok = !blocked[pl] && !b.busy[pl]
		}
		if blocked == nil {
			blocked = map[string]bool{}
		}
		for _, pl := range p.players {
			blocked[pl] = true
		}
		if ok {
			group = append(group, p)
			events += len(p.evs)
		} else {
			rest = append(rest, p)
			waiting += len(p.evs)
		}
	}
	clear(b.queue[len(rest):])
	b.queue = rest
	return group
}

// submit decides a group and leaves it to a goroutine that answers its
// requests once it is written. A refused event fails its request at once.
func (b *batcher) submit(ctx context.Context, group []*pending) {
	eng := b.engine()
	for len(group) > 0 {
		evs := groupEvents(group)
		traceGroup(group, func(t *tracer) *time.Duration { t.Group = len(evs); return &t.Submit })
		wait, seen, err, pv := submitCall(b.withEnds(ctx, group), eng, evs)
		if err == nil && pv == nil {
			traceGroup(group, func(t *tracer) *time.Duration { return &t.Decided })
			go b.answer(ctx, eng, group, wait, seen)
			return
		}
		var ee *engine.EventError
		if pv != nil || !errors.As(err, &ee) || ee.Index < 0 || ee.Index >= len(evs) {
			// Refused while a failure is untold (ErrAborted), or a panic:
			// as a group that failed.
			go func() {
				b.failed(ctx, eng, group, err, pv)
				b.answered()
			}()
			return
		}
		group = b.refuse(group, ee)
	}
	b.answered() // every request of the group refused
}

// answer waits for a group submitted and answers its requests.
func (b *batcher) answer(ctx context.Context, eng *engine.Engine, group []*pending, wait func() ([]engine.Outcome, error), seen []bool) {
	defer b.answered()
	outs, err, pv := waitCall(wait)
	if err == nil && pv == nil {
		traceGroup(group, func(t *tracer) *time.Duration { return &t.Written })
		b.split(group, outs, seen)
		return
	}
	b.failed(ctx, eng, group, err, pv)
}

// failed runs a group that failed (err or pv) again: as a group when it
// was written nothing of because a group before it failed, else each of
// its requests alone.
func (b *batcher) failed(ctx context.Context, eng *engine.Engine, group []*pending, err error, pv any) {
	if pv == nil && errors.Is(err, engine.ErrAborted) {
		b.commit(ctx, eng, group)
		return
	}
	for _, p := range group {
		b.alone(ctx, eng, p)
	}
}

// commit runs a group through the engine, waiting for it, and answers its
// requests.
func (b *batcher) commit(ctx context.Context, eng *engine.Engine, group []*pending) {
	for len(group) > 0 {
		if len(group) == 1 {
			b.alone(ctx, eng, group[0])
			return
		}
		evs := groupEvents(group)
		outs, seen, err, pv := call(b.withEnds(ctx, group), eng, evs)
		if err == nil && pv == nil {
			b.split(group, outs, seen)
			return
		}
		var ee *engine.EventError
		if pv != nil || !errors.As(err, &ee) || ee.Index < 0 || ee.Index >= len(evs) {
			for _, p := range group {
				b.alone(ctx, eng, p)
			}
			return
		}
		group = b.refuse(group, ee)
	}
}

// alone runs one request by itself and answers it.
func (b *batcher) alone(ctx context.Context, eng *engine.Engine, p *pending) {
	outs, seen, err, pv := call(b.withEnds(ctx, []*pending{p}), eng, p.evs)
	b.finish(p, outs, seen, err, pv)
}

// withEnds is ctx carrying the ends of the group's requests' keys, for the
// store to record with their events.
func (b *batcher) withEnds(ctx context.Context, group []*pending) context.Context {
	if b.ends == nil {
		return ctx
	}
	var ends []*store.RequestEnd
	for _, p := range group {
		if p.end != nil {
			ends = append(ends, p.end)
		}
	}
	if len(ends) == 0 {
		return ctx
	}
	return b.ends.WithRequestEnds(ctx, ends)
}

// refuse fails the request of group that holds the event ee refused,
// with the index of the event in that request, and returns the others.
func (b *batcher) refuse(group []*pending, ee *engine.EventError) []*pending {
	i, at := 0, ee.Index
	for at >= len(group[i].evs) {
		at -= len(group[i].evs)
		i++
	}
	e := *ee
	e.Index = at
	b.finish(group[i], nil, nil, &e, nil)
	return append(group[:i:i], group[i+1:]...)
}

// groupEvents is the events of a group's requests, in order.
func groupEvents(group []*pending) []engine.Event {
	n := 0
	for _, p := range group {
		n += len(p.evs)
	}
	evs := make([]engine.Event, 0, n)
	for _, p := range group {
		evs = append(evs, p.evs...)
	}
	return evs
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

// submitCall is eng.SubmitSeen, with what it panicked with, if it did.
func submitCall(ctx context.Context, eng *engine.Engine, evs []engine.Event) (wait func() ([]engine.Outcome, error), seen []bool, err error, pv any) {
	defer func() {
		if v := recover(); v != nil {
			wait, seen, err, pv = nil, nil, nil, v
		}
	}()
	wait, seen, err = eng.SubmitSeen(ctx, evs)
	return wait, seen, err, nil
}

// waitCall is wait, with what it panicked with, if it did.
func waitCall(wait func() ([]engine.Outcome, error)) (outs []engine.Outcome, err error, pv any) {
	defer func() {
		if v := recover(); v != nil {
			outs, err, pv = nil, nil, v
		}
	}()
	outs, err = wait()
	return outs, err, nil
}

// split gives each request of a group the outcomes of its players, in the
// order the engine returned them, and its part of seen (nil: none was),
// and answers them all (finishAll).
func (b *batcher) split(group []*pending, outs []engine.Outcome, seen []bool) {
	owner := make(map[string]*pending, len(group))
	for _, p := range group {
		for _, pl := range p.players {
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
		if seen != nil {
			p.seen = seen[at : at+len(p.evs)]
		}
		at += len(p.evs)
	}
	b.finishAll(group, false) // the caller's answered has what waits submitted
}

// finish answers a request; its players are no longer in flight.
func (b *batcher) finish(p *pending, outs []engine.Outcome, seen []bool, err error, pv any) {
	p.outs, p.seen, p.err, p.panic = outs, seen, err, pv
	b.finishAll([]*pending{p}, true)
}

// finishAll answers requests whose outs, seen, err and panic are set: their
// players are no longer in flight, under one hold of b.mu for the whole
// group (a group written is answered at once, and its requests' goroutines
// then take b.mu for nothing else), and then each is woken. With kick, a
// goroutine is started to submit the requests that wait, if none does;
// without, the caller is to call answered next.
func (b *batcher) finishAll(group []*pending, kick bool) {
	b.mu.Lock()
	for _, p := range group {
		for _, pl := range p.players {
			delete(b.busy, pl)
		}
	}
	if kick {
		b.kick()
	}
	b.mu.Unlock()
	for _, p := range group {
		close(p.done)
	}
}

// traceGroup marks, in the trace of each request of group that has one,
// the field field picks.
func traceGroup(group []*pending, field func(*tracer) *time.Duration) {
	for _, p := range group {
		if p.trace != nil {
			p.trace.mark(field(p.trace))
		}
	}
}
