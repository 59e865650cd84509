package store

import (
	"context"
	"time"
)

// Lease is the right of one process to do one job (a scheduled firing in a
// zone, the inactivity timers due) until Expires: several promoc serve
// processes on one database each run a job once, and a job whose holder
// died is taken over when its lease expires.
type Lease struct {
	Name   string // the job
	Holder string // who holds it: a process's own name
	// Token increases each time the lease passes to another holder (or to
	// the same one after it lapsed): a holder names it to renew or
	// release, so that a holder that lost the lease cannot renew another's.
	Token   int64
	Expires time.Time // UTC
}

// Leases is the store's table of leases, one row a job, taken and renewed
// by conditional updates. Times are the caller's clock: the processes
// sharing a database must keep their clocks within a small part of a
// lease's length. Both drivers implement it.
type Leases interface {
	// Acquire takes the lease of name for holder until now+ttl when nobody
	// holds it, when its holder let it expire (Expires at or before now),
	// or when holder holds it already (then it is renewed, with the same
	// token). ok is false, and the current lease returned, when another
	// holds it.
	Acquire(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (l Lease, ok bool, err error)
	// Renew extends a lease held with token to now+ttl; ok is false when
	// the lease passed to another holder (or was released).
	Renew(ctx context.Context, l Lease, now time.Time, ttl time.Duration) (renewed Lease, ok bool, err error)
	// Release gives up a lease held with its token: another may take it at
	// once. A lease that passed to another holder is left as it is.
	Release(ctx context.Context, l Lease) error
	// LeaseOf is the lease of name as stored; ok is false when it was
	// never taken.
	LeaseOf(ctx context.Context, name string) (l Lease, ok bool, err error)
}
