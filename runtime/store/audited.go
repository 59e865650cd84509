package store

import "context"

// Audited is a store that writes a change and the audit entry that records
// it in one transaction: a crash, or a failure of either, leaves neither.
// Both drivers implement it; promoc serve and promoc keys make every change
// they record through it.
type Audited interface {
	// WithAudit runs fn in one transaction and appends the entry fn
	// returns to the audit log in it, returning the entry's sequence
	// number. tx is a Store whose every method runs in that transaction
	// (its reads see its writes); fn must make its changes through tx, not
	// through the store, and may be run again when the database asks for a
	// retry (a deadlock, a serialization failure), so it must not keep
	// effects of a run that did not commit. An error from fn, or from the
	// append, rolls everything back; fn's error is returned as it is.
	WithAudit(ctx context.Context, fn func(tx Store) (AuditEntry, error)) (int64, error)
}
