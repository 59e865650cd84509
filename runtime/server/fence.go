package server

import "sync"

// gate fences a swap of the running engine (a deployment, a rollback, an
// erasure: rulesets.go, erase.go) from the work that uses the engine
// (events, approvals' recalculation, confirmations, a player's state, the
// scheduler, the inbox, Kafka). Work enters and leaves; a swap closes the
// gate, which waits for the work in flight to leave and makes the work
// that comes meanwhile wait, and opens it once the new engine runs. So no
// work runs half on one engine and half on the next, and in this process
// every outcome stored after a deployment is recorded was decided by the
// version deployed (another process follows within Config.Poll, and
// fences its own work the same way).
//
// A swap waits at most for the longest work in flight (a request's
// Handle, a round of the scheduler); work does not nest, so that nothing
// waits for itself.
type gate struct {
	mu      sync.Mutex
	cond    sync.Cond
	work    int  // work in flight
	closing bool // a swap waits for the work in flight or runs
}

func newGate() *gate {
	g := &gate{}
	g.cond.L = &g.mu
	return g
}

// enter waits while a swap waits or runs, then counts the caller in.
func (g *gate) enter() {
	g.mu.Lock()
	for g.closing {
		g.cond.Wait()
	}
	g.work++
	g.mu.Unlock()
}

// leave counts the caller out.
func (g *gate) leave() {
	g.mu.Lock()
	g.work--
	if g.work == 0 {
		g.cond.Broadcast()
	}
	g.mu.Unlock()
}

// close waits for any other swap, then for the work in flight to leave;
// the work that comes from now on waits until open.
func (g *gate) close() {
	g.mu.Lock()
	for g.closing {
		g.cond.Wait()
	}
	g.closing = true
	for g.work > 0 {
		g.cond.Wait()
	}
	g.mu.Unlock()
}

// open lets the work waiting in.
func (g *gate) open() {
	g.mu.Lock()
	g.closing = false
	g.cond.Broadcast()
	g.mu.Unlock()
}

// swapping says whether a swap waits or runs (for tests).
func (g *gate) swapping() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closing
}

// use is the rule set running, held until done is called: a swap waits
// for it.
func (s *Server) use() (cur *live, done func()) {
	s.gate.enter()
	return s.cur.Load(), s.gate.leave
}

// fenced runs f, a swap, with the gate closed.
func (s *Server) fenced(f func()) {
	s.gate.close()
	defer s.gate.open()
	f()
}
