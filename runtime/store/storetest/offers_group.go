package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/promoc/promoc/runtime/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testAssignMixed makes calls of every kind at once, so that a store that
// commits concurrent assignments together (SQLite's group commit) puts
// them in one transaction: calls that succeed, calls refused for too few
// codes, calls on an unknown offer, calls whose context was cancelled,
// and generic offers. Each call is all or nothing, whatever its
// neighbours did: the assignments stored are exactly those returned.
func testAssignMixed(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "few", RequiresVouchers: true}))
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "free"}))
	_, err := s.ImportVouchers(ctx, "few", codes("f", 30), t0)
	require.NoError(t, err)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()

	const calls = 64
	var wg sync.WaitGroup
	var mu sync.Mutex
	returned := map[string]int{} // offer: assignments returned
	kinds := map[string]int{}
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, offer, n := ctx, "few", 1+i%3 // 1 to 3 players a call
			switch i % 8 {
			case 5:
				offer = "nope"
			case 6:
				c = cancelled
			case 7:
				offer = "free"
			}
			players := make([]string, n)
			for j := range players {
				players[j] = fmt.Sprintf("c%d-p%d", i, j)
			}
			as, err := s.Assign(c, offer, players, t0)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				assert.Len(t, as, n)
				returned[offer] += len(as)
				kinds["assigned"]++
			case errors.Is(err, store.ErrNoVouchers):
				kinds["too few codes"]++
			case errors.Is(err, store.ErrNoOffer):
				kinds["unknown offer"]++
			case errors.Is(err, context.Canceled):
				kinds["cancelled"]++
			default:
				t.Errorf("call %d: %v", i, err)
			}
			assert.True(t, err == nil || len(as) == 0, "call %d: assignments with an error", i)
		}()
	}
	wg.Wait()
	for _, offer := range []string{"few", "free"} {
		stored, err := s.Assignments(ctx, offer)
		require.NoError(t, err)
		assert.Len(t, stored, returned[offer], "offer %s: the assignments stored are those returned", offer)
	}
	assert.Equal(t, 8, kinds["unknown offer"])
	assert.Equal(t, 8, kinds["cancelled"])
	assert.LessOrEqual(t, returned["few"], 30, "no more codes given than imported")
	t.Logf("%s: %d calls at once: %v", d.Name, calls, kinds)
}
