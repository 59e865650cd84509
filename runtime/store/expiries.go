package store

import (
	"context"
	"errors"
	"time"

	"github.com/shopspring/decimal"
)

// ReasonTimedOut is the reason of a result rejected because it waited for
// approval longer than its rule allows (approval manual within 7 days).
const ReasonTimedOut = "timed-out"

// ErrTimedOut: the result waited for approval longer than its rule allows:
// it was rejected with reason timed-out, or its deadline ([Outcome.Expires])
// is at or before the time of the decision and the engine's next Advance
// rejects it. It can no longer be approved or rejected. It is also an
// [ErrNotWaiting].
var ErrTimedOut = errors.New("the result timed out waiting for approval (reason timed-out): it can no longer be approved")

// Expiries is the approval queue by the time each result was first
// calculated: what the engine's approval timeouts need (approval manual
// within D: a result calculated at t expires at t+D). Both drivers
// implement it beside [Store].
type Expiries interface {
	// Expiring lists the results of rule and action (the reward given)
	// waiting for approval whose first calculation was at or before until,
	// the earliest first (then by player and trigger hash), at most limit.
	// A recalculated result keeps the time of its first calculation.
	Expiring(ctx context.Context, rule, action string, until time.Time, limit int) ([]Queued, error)
	// Expire rejects the results of keys with reason [ReasonTimedOut], in
	// one transaction: each reservation is voided and a rejected outcome
	// is logged at the key's At. A key no longer waiting (approved,
	// rejected or expired already) is left out: the outcomes returned are
	// those rejected by this call, in the order of keys.
	Expire(ctx context.Context, keys []Queued) ([]Outcome, error)
	// Overdue lists the results waiting for approval whose deadline
	// ([Outcome.Expires]) is at or before until, the earliest first (then
	// by key), at most limit, each with its deadline as At: the store
	// refuses to decide them, so the engine rejects them whatever its
	// rules now say.
	Overdue(ctx context.Context, until time.Time, limit int) ([]Queued, error)
	// Calculated is the time of the first calculation of the result of
	// key waiting for approval; [ErrNotWaiting] when none waits.
	Calculated(ctx context.Context, key Key) (time.Time, error)
	// RecalculateExpiring is [Store.Recalculate] that also sets the
	// result's deadline to expires (zero: it no longer times out), in the
	// same transaction: the rules that recalculated it may have changed
	// its timeout.
	RecalculateExpiring(ctx context.Context, key Key, amount decimal.Decimal, body []byte, at, expires time.Time) (Outcome, error)
}

// Queued is a result waiting for approval: its key and a time, the time
// of its first calculation (Expiring) or of its expiry (Expire).
type Queued struct {
	Key Key
	At  time.Time
}
