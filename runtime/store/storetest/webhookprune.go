package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
)

// testWebhookPrune: PruneWebhookAttemptsIn drops exactly the tries made
// before the bound, whatever the batch, oldest first, across webhooks; a
// bad batch is an error that drops nothing.
func testWebhookPrune(t *testing.T, d Driver) {
	ctx := context.Background()
	cases := []struct {
		name   string
		old    int // tries before the bound
		batch  int
		pruned int64
	}{
		{"none to drop", 0, 4, 0},
		{"fewer than a batch", 3, 4, 3},
		{"exactly a batch", 4, 4, 4},
		{"several batches and a part", 11, 4, 11},
		{"one a transaction", 5, 1, 5},
		{"a bad batch", 3, 0, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := d.fresh(t)
			w := webhooksOf(t, s)
			p := implements[store.WebhookPruner](t, s)
			for _, id := range []string{"a", "b"} {
				_, err := w.AddWebhook(ctx, store.Webhook{ID: id, URL: "https://" + id + ".example/hook"}, t0)
				require.NoError(t, err)
			}
			bound := t0.Add(time.Hour)
			var tries []store.WebhookAttempt
			for i := range c.old + 3 {
				at := bound.Add(-time.Duration(c.old-i) * time.Minute) // c.old before the bound, 3 at or after it
				tries = append(tries, store.WebhookAttempt{Webhook: []string{"a", "b"}[i%2], Delivery: fmt.Sprintf("d-%d", i),
					Outcome: int64(i + 1), Attempt: 1, At: at, Status: 500, Error: "HTTP 500"})
			}
			for _, id := range []string{"a", "b"} {
				var mine []store.WebhookAttempt
				for _, a := range tries {
					if a.Webhook == id {
						mine = append(mine, a)
					}
				}
				require.NoError(t, w.AdvanceWebhook(ctx, id, 0, mine))
			}
			n, err := p.PruneWebhookAttemptsIn(ctx, bound, c.batch)
			left := func() int {
				total := 0
				for _, id := range []string{"a", "b"} {
					got, err := w.WebhookAttempts(ctx, id, 0, 1000)
					require.NoError(t, err)
					for _, a := range got {
						assert.False(t, a.At.Before(bound), "a try before the bound is left: %+v", a)
					}
					total += len(got)
				}
				return total
			}
			if c.pruned < 0 {
				assert.Error(t, err)
				assert.Zero(t, n)
				total := 0
				for _, id := range []string{"a", "b"} {
					got, err := w.WebhookAttempts(ctx, id, 0, 1000)
					require.NoError(t, err)
					total += len(got)
				}
				assert.Equal(t, len(tries), total, "nothing dropped")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.pruned, n)
			assert.Equal(t, 3, left(), "the tries at or after the bound are kept")
		})
	}
}
