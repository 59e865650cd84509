package engine

// PieceLimit is the most events a host's next call of Submit takes from
// what waits, so that a backlog after a stall is written in pieces, its
// oldest events first, each piece decided while the one before is
// written: piece events when no call is being written, and while one is
// (writing), twice as many as that one held (last), about what can be
// decided meanwhile, never fewer than piece; at most most in either case.
// Under a lasting backlog the calls so grow to most, the size the store
// writes well. runtime/server's batcher cuts its groups by it, and the
// benchmarks' paced runs their calls.
func PieceLimit(piece, most, last int, writing bool) int {
	if writing {
		piece = max(piece, 2*last)
	}
	return min(most, piece)
}
