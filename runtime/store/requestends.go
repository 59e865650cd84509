package store

import (
	"context"
	"errors"
	"sync/atomic"
)

// RequestEnds records the end of a request sent with an Idempotency-Key in
// the transaction that stores the request's events, instead of a
// transaction of its own after it (FinishRequest): a server answering
// POST /v1/events writes one transaction, and waits for the disk once,
// where it wrote two, and a request answered has its key recorded as done
// even when the process is killed the moment after. Both drivers
// implement it.
//
// The end is recorded without the response: the request's Status, and an
// empty Response. A repeat of the request finds it done (StartRequest
// does not start it) and is answered again from what its events stored
// (EventOutcomes): the outcomes the first answer listed, as a retry after
// a crash is answered.
type RequestEnds interface {
	// WithRequestEnds returns ctx carrying ends. Apply, given that
	// context (or one derived from it), records in its transaction each
	// end that has an event among the transaction's changes and whose
	// events are all stored once they are written (by this transaction,
	// or recorded before): FinishRequest with the end's Status and no
	// response, for the start the end names only (a key taken over by
	// another start, dropped or finished is left as it is). Once the
	// transaction is committed, the ends it recorded are marked
	// (RequestEnd.Written); an end that is marked is not recorded again.
	// An end whose events are stored over several transactions is
	// recorded by the one that stores the last of them. An Unstarted
	// end is started too, by the first transaction with one of its
	// events, or that transaction fails with ErrRequestTaken (see
	// RequestEnd.Unstarted).
	WithRequestEnds(ctx context.Context, ends []*RequestEnd) context.Context
}

// RequestEnd is the end of a request whose events are being stored.
type RequestEnd struct {
	// Request is the request as started (StartRequest): Scope, Key,
	// Fingerprint and Started name the start the end belongs to.
	Request Request
	Status  int        // the response's status
	Events  []EventRef // the request's events, each once
	// Unstarted says that the request's start was not recorded
	// (StartRequest was not called): the first transaction that has one
	// of its events records the start too, as StartRequest would, done at
	// once when the events are all stored. If the key is there already
	// (a repeat, the key reused for another request, or taken meanwhile
	// by another process's request), that transaction fails with
	// ErrRequestTaken and stores nothing: the request must then be
	// started as usual. A server so writes one transaction on the
	// store's writer for a request, not two.
	Unstarted bool
	// Begun is set once a transaction that recorded an Unstarted end's
	// start, not done (some of its events are stored later), is
	// committed: the next records its end as for a started request.
	Begun atomic.Bool
	// Written is set once a transaction that recorded the end is
	// committed.
	Written atomic.Bool
}

// ErrRequestTaken: a request's key was found recorded, by another
// request (or an earlier one with the key), when its Unstarted end was to
// record it.
var ErrRequestTaken = errors.New("the Idempotency-Key was started by another request meanwhile")

type requestEndsKey struct{}

// ContextWithRequestEnds is ctx carrying ends: what a driver's
// WithRequestEnds returns.
func ContextWithRequestEnds(ctx context.Context, ends []*RequestEnd) context.Context {
	return context.WithValue(ctx, requestEndsKey{}, ends)
}

// RequestEndsIn is the ends ctx carries (ContextWithRequestEnds), for a
// driver's Apply.
func RequestEndsIn(ctx context.Context) []*RequestEnd {
	ends, _ := ctx.Value(requestEndsKey{}).([]*RequestEnd)
	return ends
}
