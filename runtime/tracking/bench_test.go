package tracking_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
	"github.com/promoc/promoc/runtime/tracking"
	"github.com/shopspring/decimal"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkClicks: clicks from 64 goroutines at once on a file database,
// committed in shared transactions; cpu-µs/click is the process's CPU
// time per click.
func BenchmarkClicks(b *testing.B) {
	ctx := context.Background()
	s := newStore(b)
	tr, err := tracking.New(tracking.Config{Store: s, Secret: []byte("k")})
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(32) // 64 goroutines on 2 cores
	cpu := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := tr.Click(ctx, tracking.Click{Offer: "casino", Publisher: "alpha", Sub: [5]string{"banner"}, IP: "192.0.2.1"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/click")
}

// BenchmarkConversions: first deposits of one publisher from 64
// goroutines, priced by examples/affiliate's payouts (one of them tiered
// by the publisher's first deposits of 30 days), on sessions opened
// before; cpu-µs/conversion is the process's CPU time per conversion.
func BenchmarkConversions(b *testing.B) {
	ctx := context.Background()
	prog, err := runtime.Compile(os.DirFS("../../examples/affiliate"))
	if err != nil {
		b.Fatal(err)
	}
	s := newStore(b)
	now := t0
	prices := tracking.NewPrices(prog, "EUR")
	tr, err := tracking.New(tracking.Config{Store: s, Clock: func() time.Time { return now }, Price: prices.Price, Forget: prices.Forget, Window: tracking.Windows(prog)})
	if err != nil {
		b.Fatal(err)
	}
	sessions := make([]string, b.N)
	for i := range sessions {
		se, _, err := tr.Click(ctx, tracking.Click{Offer: "casino", Publisher: "alpha"})
		if err != nil {
			b.Fatal(err)
		}
		sessions[i] = se.ID
	}
	var next atomic.Int64
	b.SetParallelism(32)
	cpu := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			r, err := tr.Convert(ctx, tracking.Conversion{Session: sessions[i], Kind: "first_deposit", Amount: decimal.New(20+i%80, 0), Currency: "EUR",
				Ref: fmt.Sprint(i), At: t0.Add(time.Duration(i) * time.Millisecond)})
			if err != nil || r.Rejected != "" {
				b.Error(err, r.Rejected)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/conversion")
}

// BenchmarkClicksPaced offers clicks at a fixed rate (PROMOC_BENCH_RATE,
// default 10,000 a second, the goal of issue 14), each in a goroutine of
// its own sent when due whatever the others' answers (an open loop, as
// cmd/loadgen's, and on time as its tracking workloads: the last two
// milliseconds of a wait are a nanosleep), to the tracker on a file
// database: the group commit's latency without HTTP. p50-µs and p99-µs run
// from when a click was due to its commit; clicks/commit is the mean size
// of a group commit, commit-p50-µs and commit-p99-µs the time of its
// store.Clicks; ckpt-rounds is the checkpointer's rounds during the run,
// and slow-in-ckpt-% the share of the slowest 1% of clicks that were
// waiting while one ran. PROMOC_BENCH_CLICK_GAP sets Config.ClickGap (0:
// none).
// -benchtime 50000x is 5 s at 10,000 a second.
func BenchmarkClicksPaced(b *testing.B) {
	rate := 10_000
	if v := os.Getenv("PROMOC_BENCH_RATE"); v != "" {
		if _, err := fmt.Sscan(v, &rate); err != nil || rate <= 0 {
			b.Fatalf("PROMOC_BENCH_RATE=%q: expected a rate a second", v)
		}
	}
	var gap time.Duration
	if v := os.Getenv("PROMOC_BENCH_CLICK_GAP"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			b.Fatalf("PROMOC_BENCH_CLICK_GAP=%q: expected a duration such as 500us, or 0 for none", v)
		}
		gap = cmp.Or(d, -1)
	}
	ctx := context.Background()
	s := &timedStore{Store: newStore(b)}
	tr, err := tracking.New(tracking.Config{Store: s, Secret: []byte("k"), ClickGap: gap})
	if err != nil {
		b.Fatal(err)
	}
	var ckptMu sync.Mutex
	var rounds []sqlite.CheckpointRound
	s.ObserveCheckpoints(func(r sqlite.CheckpointRound) {
		ckptMu.Lock()
		rounds = append(rounds, r)
		ckptMu.Unlock()
	})
	interval := time.Second / time.Duration(rate)
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	cpu := cpuTime()
	b.ResetTimer()
	start := time.Now()
	due := func(i int) time.Time { return start.Add(time.Duration(i) * interval) }
	for i := range b.N {
		due := due(i)
		sleepUntil(due)
		wg.Go(func() {
			if _, _, err := tr.Click(ctx, tracking.Click{Offer: "casino", Publisher: "alpha", Sub: [5]string{"banner"}, IP: "192.0.2.1"}); err != nil {
				b.Error(err)
			}
			lat[i] = time.Since(due)
		})
	}
	wg.Wait()
	b.StopTimer()
	s.ObserveCheckpoints(nil)
	// The slowest 1% of clicks, and how many of them waited while a
	// checkpoint ran.
	sorted := slices.Sorted(slices.Values(lat))
	p99 := sorted[len(sorted)*99/100]
	slow, inCkpt := 0, 0
	for i, l := range lat {
		if l < p99 {
			continue
		}
		slow++
		from, to := due(i), due(i).Add(l)
		if slices.ContainsFunc(rounds, func(r sqlite.CheckpointRound) bool { return r.Start.Before(to) && r.End.After(from) }) {
			inCkpt++
		}
	}
	commits := slices.Sorted(slices.Values(s.took))
	b.ReportMetric(float64(sorted[len(sorted)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
	b.ReportMetric(float64(b.N)/float64(len(commits)), "clicks/commit")
	b.ReportMetric(float64(commits[len(commits)/2].Microseconds()), "commit-p50-µs")
	b.ReportMetric(float64(commits[len(commits)*99/100].Microseconds()), "commit-p99-µs")
	b.ReportMetric(float64(len(rounds)), "ckpt-rounds")
	b.ReportMetric(100*float64(inCkpt)/float64(max(slow, 1)), "slow-in-ckpt-%")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/click")
}

// timedStore keeps the time of each transaction that writes clicks.
type timedStore struct {
	*sqlite.Store
	mu   sync.Mutex
	took []time.Duration
}

func (t *timedStore) Clicks(ctx context.Context, ss []store.Session) error {
	at := time.Now()
	err := t.Store.Clicks(ctx, ss)
	d := time.Since(at)
	t.mu.Lock()
	t.took = append(t.took, d)
	t.mu.Unlock()
	return err
}
