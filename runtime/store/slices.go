package store

import (
	"context"
	"errors"
	"time"

	"github.com/shopspring/decimal"
)

// Budget slices: a process leases a slice of a campaign's budget and takes
// its rewards from the slice, not from the account, so that processes
// reserving on one hot budget no longer wait for each other's locks.
//
// A slice is granted by one conditional UPDATE of the account: the
// account's sliced column grows by the slice, under a CHECK that posted +
// reserved + sliced never exceeds the limit. A reward then adds to the
// slice's used (never beyond its granted, a CHECK too), with its post
// entry in the ledger, in the outcome's transaction, without touching the
// account row. A slice is returned, or folded, by moving what it used to
// the account's posted and freeing the rest, in one transaction that
// locks the account and then the slice (the one lock order of every
// transaction that holds both): when its holder closes, when its lease
// expired (its holder stopped taking rewards, or died), when the campaign
// is suspended or its budget set, and when another process needs the
// money for a reward that would not fit otherwise.
//
// The end game is exact: a reward is refused for its budget only by a
// transaction that holds the account and has folded every slice of it,
// so exactly as without slices. Budgets counts what the slices used as
// posted, so a campaign's posted, reserved and left stay exact while
// slices are out.

// SliceOptions say how a store takes slices.
type SliceOptions struct {
	// Holder names who holds the slices: a process's own name (or a
	// partition's), unique among those sharing the database.
	Holder string
	// TTL is a slice's lease: each reward taken from it renews it; one
	// not renewed for TTL may be returned by any other process.
	TTL time.Duration
	// Parts: a slice is the account's limit divided by Parts, or the
	// amount a batch needs when that is more, and never more than is
	// free.
	Parts int64
	// Now is the clock of the leases; time.Now when nil.
	Now func() time.Time
}

// Slice is a holder's slice of a campaign's budget in one currency.
type Slice struct {
	Campaign, Currency, Holder string
	Granted, Used              decimal.Decimal
	Expires                    time.Time // UTC
}

// ErrSliceOptions: the options of UseSlices are not usable.
var ErrSliceOptions = errors.New("budget slices need a holder, a positive lease and a positive number of parts")

// Slices is the concern of budget slices. Both drivers implement it.
type Slices interface {
	// UseSlices makes Apply take the issued rewards of this store from
	// slices held by o.Holder. Call it once, before the store is used.
	// Rewards waiting for approval still reserve on the account.
	UseSlices(o SliceOptions) error
	// ReturnSlices returns every slice of holder: what it used is posted
	// on the account, the rest freed. n is the number returned.
	ReturnSlices(ctx context.Context, holder string) (n int, err error)
	// ExpireSlices returns every slice whose lease ended at or before now.
	ExpireSlices(ctx context.Context, now time.Time) (n int, err error)
	// SlicesOf lists the slices of a campaign's budgets, by currency and
	// holder.
	SlicesOf(ctx context.Context, campaign string) ([]Slice, error)
}
