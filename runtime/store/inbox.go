package store

import (
	"context"
	"time"
)

// Inbox keeps the requests of events promoc serve accepted to handle
// later (answered 202): durable from the moment Accept returns, handled in
// the order accepted by the one process that holds the inbox's lease.
// Both drivers implement it beside [Store].
type Inbox interface {
	// Accept stores a pending entry and returns it with its Seq. A Ref
	// stored already is an error.
	Accept(ctx context.Context, e InboxEntry) (InboxEntry, error)
	// InboxEntry is the entry of a reference; ok is false when none.
	InboxEntry(ctx context.Context, ref string) (e InboxEntry, ok bool, err error)
	// ClaimInbox takes or renews the inbox's lease for holder until until,
	// when no other holder's lease runs past now; held reports whether
	// holder has it.
	ClaimInbox(ctx context.Context, holder string, now, until time.Time) (held bool, err error)
	// PendingInbox lists the pending entries, the first accepted first, at
	// most limit.
	PendingInbox(ctx context.Context, limit int) ([]InboxEntry, error)
	// FinishInbox records the end of a pending entry: done or failed, with
	// its result. An entry finished already is left as it was.
	FinishInbox(ctx context.Context, seq int64, status InboxStatus, result []byte, at time.Time) error
	// PruneInbox forgets the entries finished before before and returns
	// how many.
	PruneInbox(ctx context.Context, before time.Time) (int64, error)
}

// InboxStatus is where an inbox entry is.
type InboxStatus string

// The statuses of inbox entries.
const (
	InboxPending InboxStatus = "pending"
	InboxDone    InboxStatus = "done"
	InboxFailed  InboxStatus = "failed"
)

// InboxEntry is one request of events accepted to be handled later.
type InboxEntry struct {
	Seq      int64  // set by the store: > 0, increasing
	Ref      string // random, unique: names the entry in the API
	Actor    string // the API key's id
	Body     []byte // the request's events, as sent
	Accepted time.Time
	Status   InboxStatus
	Result   []byte    // the response (done) or the error (failed), JSON
	Finished time.Time // zero while pending
}
