package server

import (
	"context"
	"sync"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// keyBatcher records the Idempotency-Keys of concurrent requests together:
// the starts and the finishes of the requests waiting at one moment in one
// transaction (store.RequestBatches.WriteRequests), instead of a
// transaction and a wait for the disk each (group commit, as batcher does
// for the events). Each request gets what StartRequest or FinishRequest
// gives it alone, the finishes of a group taken before its starts and each
// kind in the order it came. A group whose transaction fails runs each of
// its requests alone, in the request's own goroutine, as it would have run
// without grouping.
type keyBatcher struct {
	g *grouper[keyOp, store.StartedRequest]
}

// keyOp is one request's StartRequest (start set) or FinishRequest.
type keyOp struct {
	start       *store.Request
	staleBefore time.Time
	finish      store.FinishedRequest
	trace       *tracer // of the request that starts, or nil
}

// maxKeyGroup bounds the requests of one group.
const maxKeyGroup = 1000

func newKeyBatcher(rb store.RequestBatches) *keyBatcher {
	return &keyBatcher{g: &grouper[keyOp, store.StartedRequest]{do: func(ctx context.Context, ops []keyOp) ([]store.StartedRequest, error) {
		var fs []store.FinishedRequest
		var rs []store.Request
		var stale time.Time
		for _, op := range ops {
			if op.start == nil {
				fs = append(fs, op.finish)
				continue
			}
			if op.trace != nil {
				op.trace.KeyGroup = len(ops)
			}
			// One stale bound for the group: the earliest, so that no
			// request takes over a key it would not have taken alone.
			if len(rs) == 0 || op.staleBefore.Before(stale) {
				stale = op.staleBefore
			}
			rs = append(rs, *op.start)
		}
		started, err := rb.WriteRequests(ctx, fs, rs, stale)
		if err != nil {
			return nil, err
		}
		if len(started) != len(rs) {
			panic("server: the store's answers do not match the keys started")
		}
		out := make([]store.StartedRequest, len(ops))
		for i, op := range ops {
			if op.start != nil {
				out[i], started = started[0], started[1:]
			}
		}
		return out, nil
	}}}
}

// startRequest is st.StartRequest, grouped.
func (k *keyBatcher) startRequest(ctx context.Context, st store.Store, r store.Request, staleBefore time.Time) (store.Request, bool, error) {
	got, ok, err := k.g.call(ctx, keyOp{start: &r, staleBefore: staleBefore, trace: traceOf(ctx)})
	if !ok {
		return st.StartRequest(ctx, r, staleBefore)
	}
	return got.Request, got.Started, err
}

// finishLater queues st.FinishRequest for the next group; the function it
// returns waits for it and gives its error.
func (k *keyBatcher) finishLater(ctx context.Context, st store.Store, f store.FinishedRequest) func() error {
	wait := k.g.enqueue(keyOp{finish: f})
	return func() error {
		_, ok, err := wait()
		if !ok {
			return st.FinishRequest(ctx, f.Scope, f.Key, f.Status, f.Response)
		}
		return err
	}
}

// grouper runs the calls that wait at one moment as one: do gets their
// inputs in order and returns one output each.
type grouper[In, Out any] struct {
	do func(ctx context.Context, ins []In) ([]Out, error)

	mu      sync.Mutex
	queue   []*groupCall[In, Out]
	running bool
}

type groupCall[In, Out any] struct {
	in    In
	out   Out
	err   error
	alone bool // the group failed: the caller runs the call alone
	panic any
	done  chan struct{}
}

// call runs in within the next group. ok is false when the group failed
// and the caller must run the call alone; a panic of a group of one is
// raised again here.
func (g *grouper[In, Out]) call(ctx context.Context, in In) (out Out, ok bool, err error) {
	return g.enqueue(in)()
}

// enqueue puts in in the next group, after the calls queued before it;
// the function it returns waits for the group and gives what call gives.
func (g *grouper[In, Out]) enqueue(in In) func() (out Out, ok bool, err error) {
	c := &groupCall[In, Out]{in: in, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if !g.running {
		g.running = true
		go g.run(context.Background()) // a group is no one call's (see batcher.handle)
	}
	g.mu.Unlock()
	return func() (Out, bool, error) {
		<-c.done
		if c.panic != nil {
			panic(c.panic)
		}
		return c.out, !c.alone, c.err
	}
}

func (g *grouper[In, Out]) run(ctx context.Context) {
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxKeyGroup)
		if n == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		batch := append([]*groupCall[In, Out](nil), g.queue[:n]...)
		clear(g.queue[:n])
		g.queue = g.queue[n:]
		g.mu.Unlock()
		g.runGroup(ctx, batch)
	}
}

func (g *grouper[In, Out]) runGroup(ctx context.Context, batch []*groupCall[In, Out]) {
	ins := make([]In, len(batch))
	for i, c := range batch {
		ins[i] = c.in
	}
	outs, err, pv := g.safeDo(ctx, ins)
	for i, c := range batch {
		switch {
		case (err != nil || pv != nil) && len(batch) > 1:
			c.alone = true
		case pv != nil:
			c.panic = pv
		case err != nil:
			c.err = err
		default:
			c.out = outs[i]
		}
		close(c.done)
	}
}

// safeDo is do, with what it panicked with, if it did.
func (g *grouper[In, Out]) safeDo(ctx context.Context, ins []In) (outs []Out, err error, pv any) {
	defer func() {
		if v := recover(); v != nil {
			outs, err, pv = nil, nil, v
		}
	}()
	outs, err = g.do(ctx, ins)
	if err == nil && len(outs) != len(ins) {
		panic("server: a group's answers do not match its calls")
	}
	return outs, err, nil
}

// startRequest is the store's StartRequest, grouped when the store
// records keys in batches.
func (s *Server) startRequest(ctx context.Context, r store.Request, staleBefore time.Time) (store.Request, bool, error) {
	if s.keys == nil {
		return s.st.StartRequest(ctx, r, staleBefore)
	}
	return s.keys.startRequest(ctx, s.st, r, staleBefore)
}

// finishLater records the end of a request with its key: queued in the
// next group when the store records keys in batches (a key started after
// it is written after it), else at once. The function it returns waits
// for it and gives its error.
func (s *Server) finishLater(ctx context.Context, scope, key string, status int, response []byte) func() error {
	if s.keys == nil {
		err := s.st.FinishRequest(ctx, scope, key, status, response)
		return func() error { return err }
	}
	return s.keys.finishLater(ctx, s.st, store.FinishedRequest{Scope: scope, Key: key, Status: status, Response: response})
}
