package server

// Swapping says whether a swap of the engine waits for the work in flight
// or runs (fence.go).
func (s *Server) Swapping() bool { return s.gate.swapping() }
