package tracking

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBatcherGap: a batch that would start within the gap of the last
// one waits for the rest of it, and takes the items that arrived
// meanwhile; a batch after a quiet spell, or a full one, starts at once.
func TestBatcherGap(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	var batches [][]int
	var slept []time.Duration
	var b *batcher[int, int]
	// arrive, when set, is run while a leader waits: items sent then
	// arrive during the gap.
	var arrive func()
	b = &batcher[int, int]{max: 4, gap: 500 * time.Microsecond,
		now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
		sleep: func(d time.Duration) {
			mu.Lock()
			slept = append(slept, d)
			now = now.Add(d)
			f := arrive
			arrive = nil
			mu.Unlock()
			if f != nil {
				f()
			}
		},
		write: func(_ context.Context, items []int) ([]int, error) {
			mu.Lock()
			batches = append(batches, append([]int(nil), items...))
			mu.Unlock()
			out := make([]int, len(items))
			for i, v := range items {
				out[i] = v * 10
			}
			return out, nil
		}}
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	// The first batch starts at once.
	r, err := b.do(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, 10, r)
	assert.Empty(t, slept, "the first batch does not wait")

	// 200 µs later the next waits the 300 µs left, and the items sent
	// meanwhile join it.
	advance(200 * time.Microsecond)
	var wg sync.WaitGroup
	results := make([]int, 4)
	arrive = func() {
		for i := 3; i <= 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := b.do(ctx, i)
				assert.NoError(t, err)
				results[i-1] = r
			}()
		}
		// Both are pending before the leader takes its batch.
		for {
			b.mu.Lock()
			n := len(b.pending)
			b.mu.Unlock()
			if n == 3 {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	results[1], err = b.do(ctx, 2)
	require.NoError(t, err)
	wg.Wait()
	assert.Equal(t, []int{0, 20, 30, 40}, results)
	assert.Equal(t, []time.Duration{300 * time.Microsecond}, slept)
	require.Len(t, batches, 2)
	assert.Equal(t, []int{1}, batches[0])
	assert.Equal(t, 2, batches[1][0], "the leader's own item first")
	assert.ElementsMatch(t, []int{2, 3, 4}, batches[1], "the items that arrived during the gap join the batch")

	// After a quiet spell longer than the gap: at once.
	advance(time.Millisecond)
	_, err = b.do(ctx, 5)
	require.NoError(t, err)
	assert.Len(t, slept, 1, "no wait after a quiet spell")

	// A batch already full (at most one item, the leader's own) does not
	// wait, even right after another.
	b.mu.Lock()
	b.started = now
	b.mu.Unlock()
	b.max = 1
	_, err = b.do(ctx, 6)
	require.NoError(t, err)
	assert.Len(t, slept, 1, "a full batch starts at once")
	assert.Equal(t, [][]int{{5}, {6}}, batches[2:])
}
