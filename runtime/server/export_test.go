package server

// Swapping says whether a swap of the engine waits for the work in flight
// or runs (fence.go): TryRLock fails while a writer waits or holds the
// lock.
func (s *Server) Swapping() bool {
	if !s.gate.TryRLock() {
		return true
	}
	s.gate.RUnlock()
	return false
}
