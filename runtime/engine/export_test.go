package engine

// Unfinished is the number of batches submitted to e and not yet written
// or failed: the tests of the pipeline wait on it.
func Unfinished(e *Engine) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, b := range e.flight {
		if !b.finished() {
			n++
		}
	}
	return n
}

// Redecided is the number of batches in flight e decided again after a
// batch before them lost a change.
func Redecided(e *Engine) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.redecided
}

// Places is the number of places in flight taken (Options.InFlight at
// most): each batch's writer gives its place back when it ends.
func Places(e *Engine) int { return len(e.slots) }

// Fills is the number of player histories e filled into a builder for an
// evaluation.
func Fills(e *Engine) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.in.fills
}
