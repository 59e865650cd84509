package store

import (
	"context"
	"time"
)

// OfferGiver gives an offer to one player at most once per key: the
// assignment of the campaign engine's give offer action, keyed by the
// firing's idempotency key (rule/action/player/trigger hash). The engine
// assigns before it writes the outcome; should the outcome's transaction
// not commit (a crash, a change lost to another writer, an error), the
// firing is decided again and gets back the assignment it had, never a
// second one, and never a second code. Both drivers implement it beside
// [Store].
type OfferGiver interface {
	// GiveOffer assigns the offer to the player as [Store.Assign] does for
	// one player (a random reference, the oldest unassigned code when the
	// offer requires vouchers, synchronized = not needs-synchronization),
	// recording key with it, and returns it with created true. When an
	// assignment of key exists, it is returned as stored, with created
	// false, and nothing changes, whatever the offer and player given.
	// [ErrNoOffer]; [ErrNoVouchers] when the offer requires vouchers and
	// none is left unassigned: then nothing is assigned.
	GiveOffer(ctx context.Context, offer, player, key string, at time.Time) (a Assignment, created bool, err error)
	// Assignment is the assignment of a reference; ok is false when none
	// has it.
	Assignment(ctx context.Context, ref string) (a Assignment, ok bool, err error)
}
