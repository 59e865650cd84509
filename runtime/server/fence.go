package server

// Server.gate fences a swap of the running engine (a deployment, a
// rollback, an erasure: rulesets.go, erase.go) from the work that uses
// the engine (events, approvals' recalculation, confirmations, a player's
// state, the scheduler, the inbox, Kafka). Work holds it for reading
// (use); a swap takes it for writing (fenced), which waits for the work
// in flight to leave and, as a sync.RWMutex does, makes the work that
// comes meanwhile wait until the new engine runs. So no work runs half on
// one engine and half on the next, and in this process every outcome
// stored after a deployment is recorded was decided by the version
// deployed (another process follows within Config.Poll, and fences its
// own work the same way).
//
// A swap waits at most for the longest work in flight (a request's
// Handle, a round of the scheduler), and work waits at most for a swap:
// neither wait is cut short by a request's context or by shutdown, as
// both are bounded. Work does not nest (a second read lock behind a
// waiting swap would wait for itself).

// use is the rule set running, held until done is called: a swap waits
// for it.
func (s *Server) use() (cur *live, done func()) {
	s.gate.RLock()
	return s.cur.Load(), s.gate.RUnlock
}

// fenced runs f, a swap, with the gate closed.
func (s *Server) fenced(f func()) {
	s.gate.Lock()
	defer s.gate.Unlock()
	f()
}
