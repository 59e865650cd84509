package server

import (
	"context"
	"time"
)

// RequestTrace is where one POST /v1/events spent its time in the server,
// for Config.Trace (a debugging aid: bench/cmd/loadgen -phases lines these
// up with the client's side, for the slowest requests). Each mark is the
// time from Start to the end of a phase; a phase not reached is 0.
type RequestTrace struct {
	Key   string    // the request's Idempotency-Key (never a secret)
	Start time.Time // the server's handler began (the request's headers read)
	// Auth: the API key found; Body: the body read; KeyStart: the
	// Idempotency-Key recorded as started (a store transaction, grouped);
	// Decoded: the events decoded; Submit: its group cut and given to the
	// engine; Decided: the engine took it (decided, handed to the store's
	// writer); Written: the group's transaction committed; Answered: the
	// batcher gave the request its outcomes; Sent: the response written
	// and flushed.
	Auth, Body, KeyStart, Decoded, Submit, Decided, Written, Answered, Sent time.Duration
	Group                                                                   int // the events of the request's group
	KeyGroup                                                                int // the Idempotency-Keys started in the key's transaction
}

// tracer is the trace of the request of a context, or nil when
// Config.Trace is not set: every mark is then a nil check.
type tracer struct {
	RequestTrace
}

// mark sets *at, a field of t, to the time since the request began (t
// not nil: the caller checks, as &t.Field of a nil t would panic).
func (t *tracer) mark(at *time.Duration) {
	*at = time.Since(t.Start)
}

// traceOf is the trace of the request of ctx, or nil.
func traceOf(ctx context.Context) *tracer {
	if i, ok := ctx.Value(infoKey{}).(*reqInfo); ok {
		return i.trace
	}
	return nil
}
