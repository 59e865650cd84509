package storetest

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/promoc/promoc/runtime/store"
)

// BenchImportVouchers measures importing b.N fresh codes into one offer in
// one call; every code is new, so every one is written.
func BenchImportVouchers(b *testing.B, d Driver) {
	ctx := context.Background()
	s := d.fresh(b)
	if err := s.PutOffer(ctx, store.Offer{Ref: "bench", RequiresVouchers: true}); err != nil {
		b.Fatal(err)
	}
	cs := codes("code", b.N)
	b.ResetTimer()
	r, err := s.ImportVouchers(ctx, "bench", cs, t0)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if r.Imported != int64(b.N) {
		b.Fatalf("imported %d of %d", r.Imported, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "codes/s")
}

// BenchAssign measures assignments from one pool of codes by 16
// goroutines, one player a transaction, and checks that no code was taken
// twice: a pool of b.N codes, all of them assigned.
func BenchAssign(b *testing.B, d Driver) { BenchAssignPool(b, d, 0) }

// BenchAssignPool is BenchAssign from a pool of max(pool, b.N) codes,
// imported before the clock starts: the speed of taking the next free
// code when most of a large pool is still free.
func BenchAssignPool(b *testing.B, d Driver, pool int) {
	ctx := context.Background()
	s := d.fresh(b)
	if err := s.PutOffer(ctx, store.Offer{Ref: "pool", RequiresVouchers: true}); err != nil {
		b.Fatal(err)
	}
	if _, err := s.ImportVouchers(ctx, "pool", codes("v", max(pool, b.N)), t0); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Assign(ctx, "pool", []string{fmt.Sprint("p", next.Add(1))}, t0); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "assignments/s")
	all, err := s.Assignments(ctx, "pool")
	if err != nil {
		b.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range all {
		if seen[a.Code] {
			b.Fatalf("code %s assigned twice", a.Code)
		}
		seen[a.Code] = true
	}
	if len(all) != b.N {
		b.Fatalf("%d assignments, want %d", len(all), b.N)
	}
}
