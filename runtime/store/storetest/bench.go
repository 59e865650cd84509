package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// BenchReserve measures reservations per second on one hot budget: one
// writer committing batch changes a transaction (1: one transaction per
// reservation), or, with parallel set, GOMAXPROCS*4 goroutines each
// committing one reservation a transaction. Every reservation is issued
// and posted, with its idempotency key and outcome (and, on PostgreSQL,
// its outbox row).
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

// BenchApply measures changes per second through Apply, committed batch
// changes a transaction, each change what the engine writes for a typical
// event: the event with a 200-byte body, two states of its player (updated
// at the version read: the players are reused), and one issued outcome
// that posts from a campaign's budget.
func BenchApply(b *testing.B, d Driver, batch, players int) {
	ctx := context.Background()
	s := d.fresh(b)
	if err := s.SetBudget(ctx, "bench", "EUR", dec("1000000000"), t0); err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 200)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	versions := make([][2]int64, players)
	n := 0
	change := func() store.Change {
		n++
		p := fmt.Sprint("player-", n%players)
		v := versions[n%players]
		id := fmt.Sprint("ev-", n)
		return store.Change{
			Event: &store.Event{Player: p, ID: id, Hash: []byte("0123456789abcdef0123456789abcdef"), Kind: "deposit",
				At: t0.Add(time.Duration(n) * time.Millisecond), Body: body},
			States: []store.State{
				{Player: p, Rule: "every_100", Version: v[0], Data: []byte(`{"count":17,"anchor":"2026-12-06T10:00:00Z"}`)},
				{Player: p, Rule: "first_deposit", Version: v[1], Data: []byte(`{"fired":true}`)},
			},
			Outcomes: []store.Outcome{give(store.Key{Rule: "every_100", Action: "cashback", Player: p, TriggerHash: id},
				store.Issued, "bench", "1.25", "EUR")},
		}
	}
	pending := make([]store.Change, 0, batch)
	commit := func() {
		got, err := s.Apply(ctx, pending)
		if err != nil {
			b.Fatal(err)
		}
		for i, a := range got {
			if a.Err != nil || a.Duplicate || a.Outcomes[0].Status != store.Issued {
				b.Fatalf("change %d: %v duplicate=%v %+v", i, a.Err, a.Duplicate, a.Outcomes)
			}
			p := pending[i].States[0].Player
			var k int
			fmt.Sscanf(p, "player-%d", &k)
			versions[k] = [2]int64{a.Versions[0], a.Versions[1]}
		}
		pending = pending[:0]
	}
	b.ReportAllocs()
	cpu0, cpuKnown := cpuTime()
	for b.Loop() {
		pending = append(pending, change())
		if len(pending) == batch {
			commit()
		}
	}
	if len(pending) > 0 {
		commit()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
	// The CPU time of this process a change: on a machine shared with
	// other work, steadier than the time elapsed (for PostgreSQL, the
	// server's own is not in it).
	if cpu1, ok := cpuTime(); ok && cpuKnown {
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-µs/change")
	}
}
