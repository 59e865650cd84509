package tracking

import (
	"context"
	"sync"
	"time"
)

// batcher writes items in batches: whatever arrived while the previous
// batch was written goes in the next one.
type batcher[T, R any] struct {
	// write writes a batch in one transaction, one result per item.
	write func(ctx context.Context, items []T) ([]R, error)
	// max bounds a batch.
	max int
	// gap, when positive, is the least time between the starts of two
	// batches: a batch that would start sooner waits for the rest, and
	// takes the items that arrived meanwhile. A batch's commit costs much
	// more than its rows (its WAL write and fsync), so that under load a
	// few hundred microseconds of waiting save most of the commits; a
	// batch after a quiet spell starts at once.
	gap time.Duration
	// now and sleep are time.Now and time.Sleep (tests replace them).
	now   func() time.Time
	sleep func(time.Duration)

	mu       sync.Mutex
	pending  []*waiter[T, R]
	flushing bool
	started  time.Time // when the last batch started

	// waiters are reused: a request's waiter (and its channel) goes back
	// once it has its outcome, when nothing else refers to it.
	waiters sync.Pool
}

type waiter[T, R any] struct {
	item T
	done chan outcome[R]
}

// outcome is what a waiter is told: its result, or that it leads the
// next batch.
type outcome[R any] struct {
	r    R
	err  error
	lead bool
}

// do writes item in a batch and returns its result once committed. The
// request that finds no batch being written leads: it writes the pending
// items (its own first among them), then hands the lead to the first
// item that arrived meanwhile, which is still pending.
func (b *batcher[T, R]) do(ctx context.Context, item T) (R, error) {
	w, _ := b.waiters.Get().(*waiter[T, R])
	if w == nil {
		w = &waiter[T, R]{done: make(chan outcome[R], 1)}
	}
	w.item = item
	b.mu.Lock()
	b.pending = append(b.pending, w)
	if b.flushing {
		b.mu.Unlock()
		o := <-w.done
		if !o.lead {
			return b.done(w, o)
		}
		b.mu.Lock() // w leads, and is pending[0]
	}
	b.flushing = true
	if b.gap > 0 {
		b.gather()
	}
	n := min(len(b.pending), b.max)
	batch := b.pending[:n:n]
	b.pending = append([]*waiter[T, R](nil), b.pending[n:]...)
	b.mu.Unlock()

	// The batch is written even when this request's context ends: others
	// wait for it.
	b.flush(context.WithoutCancel(ctx), batch)

	b.mu.Lock()
	if len(b.pending) > 0 {
		b.pending[0].done <- outcome[R]{lead: true}
	} else {
		b.flushing = false
	}
	b.mu.Unlock()
	return b.done(w, <-w.done)
}

// gather waits, b.mu held by a leader about to take its batch, until gap
// has passed since the last batch started, unless the batch is full. The
// lock is released while it waits, so that the items that arrive join
// pending.
func (b *batcher[T, R]) gather() {
	if since := b.now().Sub(b.started); since < b.gap && len(b.pending) < b.max {
		b.mu.Unlock()
		b.sleep(b.gap - since)
		b.mu.Lock()
	}
	b.started = b.now()
}

// done returns w's outcome and w to the pool: its leader sent the outcome
// last, and no batch reads it any more.
func (b *batcher[T, R]) done(w *waiter[T, R], o outcome[R]) (R, error) {
	var zero T
	w.item = zero
	b.waiters.Put(w)
	return o.r, o.err
}

func (b *batcher[T, R]) flush(ctx context.Context, batch []*waiter[T, R]) {
	items := make([]T, len(batch))
	for i, w := range batch {
		items[i] = w.item
	}
	rs, err := b.write(ctx, items)
	if err != nil && len(batch) > 1 {
		for _, w := range batch {
			r, err := b.write(ctx, []T{w.item})
			var one R
			if err == nil {
				one = r[0]
			}
			w.done <- outcome[R]{r: one, err: err}
		}
		return
	}
	for i, w := range batch {
		var r R
		if err == nil {
			r = rs[i]
		}
		w.done <- outcome[R]{r: r, err: err}
	}
}
