package engine

import (
	"context"
	"time"
)

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

// SetResubmitWait replaces e's wait before a call aborted is submitted
// again (backoff) with f, which the test records.
func SetResubmitWait(e *Engine, f func(ctx context.Context, try int)) { e.resubmitWait = f }

// BackoffMax is the longest backoff waits before round.
func BackoffMax(round int) time.Duration { return backoffMax(round) }

// MaxRetries bounds the submissions of a call aborted.
const MaxRetries = maxRetries
