package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/promoc/promoc/runtime/store"
)

// BenchReserve measures reservations per second on one hot budget: one
// writer committing batch changes a transaction (1: one transaction per
// reservation), or, with parallel set, GOMAXPROCS*4 goroutines each
// committing one reservation a transaction. Every reservation is issued
// and posted, with its idempotency key, outcome and outbox row.
func BenchReserve(b *testing.B, d Driver, batch int, parallel bool) {
	ctx := context.Background()
	s := d.fresh(b)
	if err := s.SetBudget(ctx, "bench", "EUR", dec("1000000000"), t0); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	change := func() store.Change {
		k := store.Key{Rule: "bench", Action: "give", Player: fmt.Sprint("p", next.Add(1)), TriggerHash: "t"}
		return store.Change{Outcomes: []store.Outcome{give(k, store.Issued, "bench", "1.25", "EUR")}}
	}
	commit := func(changes []store.Change) {
		got, err := s.Apply(ctx, changes)
		if err != nil {
			b.Fatal(err)
		}
		for _, a := range got {
			if a.Err != nil || a.Outcomes[0].Status != store.Issued {
				b.Fatalf("not issued: %v %+v", a.Err, a.Outcomes)
			}
		}
	}
	b.ReportAllocs()
	if parallel {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				commit([]store.Change{change()})
			}
		})
	} else {
		pendingChanges := make([]store.Change, 0, batch)
		for b.Loop() {
			pendingChanges = append(pendingChanges, change())
			if len(pendingChanges) == batch {
				commit(pendingChanges)
				pendingChanges = pendingChanges[:0]
			}
		}
		if len(pendingChanges) > 0 {
			commit(pendingChanges)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reservations/s")
}
