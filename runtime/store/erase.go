package store

import (
	"context"
	"time"
)

// Eraser removes a player's personal data (GDPR erasure) and keeps the
// aggregates: budgets, ledger sums, the outcome log's amounts and counts.
// Both drivers implement it beside [Store].
type Eraser interface {
	// Erase erases a player in one transaction. Removed: the player's
	// stored properties, per-rule states, timers and events (bodies, ids
	// and hashes: a later event with the same id is new); the player's
	// tie to tracking sessions and conversions (as
	// [Tracking.ErasePlayer]).
	// Rejected: the results waiting for approval, with reason
	// e.RejectReason, their reservations back in the budget. Kept, with
	// the player's id replaced by e.Pseudonym: the outcomes (each body
	// rewritten by e.Scrub), the ledger entries, the idempotency keys of
	// actions, the offers assigned, the bonuses granted. The erasure is recorded (its
	// pseudonym, not the id). Erasing a player the store knows nothing of
	// changes nothing and returns Found false.
	Erase(ctx context.Context, e Erasure) (Erased, error)
	// LastErasure is the sequence number of the latest erasure, 0 when
	// none: a process that caches players drops them when it moves.
	LastErasure(ctx context.Context) (int64, error)
}

// Erasure is what [Eraser.Erase] is asked.
type Erasure struct {
	Player    string
	Pseudonym string // replaces Player in the rows kept; not empty, not Player
	// Scrub rewrites the body of a kept outcome, dropping what names the
	// player; required.
	Scrub func(body []byte) ([]byte, error)
	// ScrubAudit rewrites an entry of the audit log that names the
	// player (the append-only log's one change, made by an erasure in
	// its transaction): it gets each entry whose target, before or after
	// holds the player's id, and returns it with the id replaced by the
	// pseudonym and changed true; nil leaves the audit log as it is.
	// Only Target, Before and After of what it returns are written.
	ScrubAudit   func(e AuditEntry) (out AuditEntry, changed bool, err error)
	RejectReason string
	At           time.Time
}

// Erased counts what an erasure did.
type Erased struct {
	Seq   int64 // the erasure's sequence number; 0 when not Found
	Found bool  // the store knew the player
	// Removed rows.
	Events, States, Timers, Players int64
	// Tracking sessions untied from the player.
	Sessions int64
	// Rows kept under the pseudonym.
	Outcomes, Ledger, Keys, Assignments, Bonuses int64
	// Audit entries rewritten to the pseudonym (Erasure.ScrubAudit).
	Audit int64
	// Waiting results rejected.
	Rejected int64
}
