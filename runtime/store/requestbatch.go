package store

import (
	"context"
	"time"
)

// RequestBatches starts and finishes the Idempotency-Keys of many requests
// in one transaction: a server answering concurrent requests commits their
// keys together (group commit) instead of one transaction, and one wait for
// the disk, each. Each request's result is the one StartRequest or
// FinishRequest gives for it, the requests taken in order, as if each ran
// alone after those before it. Both drivers implement it.
type RequestBatches interface {
	// WriteRequests is FinishRequest for each of fs in turn, then
	// StartRequest for each of rs in turn, in one transaction: all are
	// recorded, or none (an error). A server commits the keys of the
	// requests that end and of those that begin at one moment together.
	WriteRequests(ctx context.Context, fs []FinishedRequest, rs []Request, staleBefore time.Time) ([]StartedRequest, error)
}

// StartedRequest is StartRequest's answer for one request: the request as
// stored (the running or finished one when it did not start), and whether
// it started.
type StartedRequest struct {
	Request Request
	Started bool
}

// FinishedRequest is the response of a running request, as FinishRequest
// takes it.
type FinishedRequest struct {
	Scope, Key string
	Status     int
	Response   []byte
}
