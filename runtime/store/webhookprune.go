package store

import (
	"context"
	"time"
)

// WebhookPruner drops old tries from the delivery log of the webhooks in
// bounded transactions, so that a large backlog of tries to drop (a
// retention shortened, a server stopped for days) neither holds the
// database's write lock for long nor makes one huge transaction. Both
// drivers implement it; [Webhooks.PruneWebhookAttempts] is the same with a
// default batch.
type WebhookPruner interface {
	// PruneWebhookAttemptsIn drops the tries made before before, oldest
	// first, in transactions of at most batch tries each (batch > 0), and
	// returns how many it dropped. An error leaves the transactions before
	// it done.
	PruneWebhookAttemptsIn(ctx context.Context, before time.Time, batch int) (int64, error)
}

// WebhookPruneBatch is the batch of [Webhooks.PruneWebhookAttempts].
const WebhookPruneBatch = 1000
