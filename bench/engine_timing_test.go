package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime/metrics"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// timedStore is a store that adds up the time spent in its writes (Apply)
// and in the reads the engine makes per event and per player, to tell the
// engine's own time from the database's. The engine reads players on
// several goroutines at once (their time adds up, beyond the wall clock's).
type timedStore struct {
	store.Store
	mu           sync.Mutex
	apply, reads time.Duration
	applies      int
	readCalls    int
	// spans, when not nil, gets each Apply's start and end.
	spans *[][2]time.Time
}

func (s *timedStore) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	t := time.Now()
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.apply += time.Since(t)
		s.applies++
		if s.spans != nil {
			*s.spans = append(*s.spans, [2]time.Time{t, time.Now()})
		}
	}()
	return s.Store.Apply(ctx, changes)
}

func (s *timedStore) read(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads += time.Since(t)
	s.readCalls++
}

func (s *timedStore) Seen(ctx context.Context, events []store.Event) ([]store.SeenStatus, error) {
	defer s.read(time.Now())
	return s.Store.Seen(ctx, events)
}

func (s *timedStore) History(ctx context.Context, player string, since time.Time) ([]store.Event, error) {
	defer s.read(time.Now())
	return s.Store.History(ctx, player, since)
}

func (s *timedStore) States(ctx context.Context, player string) ([]store.State, error) {
	defer s.read(time.Now())
	return s.Store.States(ctx, player)
}

// FirstRead is the store's, timed (both drivers have it: the engine reads
// a player it does not hold with it).
func (s *timedStore) FirstRead(ctx context.Context, player string) (store.FirstRead, error) {
	defer s.read(time.Now())
	return s.Store.(store.FirstReads).FirstRead(ctx, player)
}

func (s *timedStore) State(ctx context.Context, player, rule string) (store.State, error) {
	defer s.read(time.Now())
	return s.Store.State(ctx, player, rule)
}

func (s *timedStore) Player(ctx context.Context, id string) (store.Player, bool, error) {
	defer s.read(time.Now())
	return s.Store.Player(ctx, id)
}

func (s *timedStore) Due(ctx context.Context, until time.Time, limit int) ([]store.Timer, error) {
	defer s.read(time.Now())
	return s.Store.Due(ctx, until, limit)
}

func (s *timedStore) PlayersIn(ctx context.Context, zone, after string, limit int) ([]store.Player, error) {
	defer s.read(time.Now())
	return s.Store.PlayersIn(ctx, zone, after, limit)
}

func (s *timedStore) Campaign(ctx context.Context, campaign string) (store.Campaign, error) {
	defer s.read(time.Now())
	return s.Store.Campaign(ctx, campaign)
}

func (s *timedStore) Budgets(ctx context.Context, campaign string) ([]store.Budget, error) {
	defer s.read(time.Now())
	return s.Store.Budgets(ctx, campaign)
}

// phases logs where the time of a paced run's slowest events went, on
// average over the events at or above slow (the p99): waiting for their
// call to be submitted (from arrival), in Submit (checking and deciding,
// and waiting for a place among the batches in flight), waiting for the
// store after Submit, in the call's Apply, and after it until the wait
// returned. It assumes one Apply per call (calls of at most
// Options.BatchSize events, none decided again).
func phases(b *testing.B, run Paced, spans [][2]time.Time, slow time.Duration) {
	if len(spans) != len(run.Calls) {
		b.Logf("phases: %d calls, %d Apply calls: not one each", len(run.Calls), len(spans))
		return
	}
	var sum [5]time.Duration
	n, size := 0, 0
	for k, c := range run.Calls {
		for x := c.I; x < c.J; x++ {
			if run.Lat[x] < slow {
				continue
			}
			a := spans[k]
			sum[0] += c.Submit.Sub(run.Arrival[x])
			sum[1] += c.Submitted.Sub(c.Submit)
			sum[2] += a[0].Sub(c.Submitted)
			sum[3] += a[1].Sub(a[0])
			sum[4] += c.Done.Sub(a[1])
			n++
			size += c.J - c.I
		}
	}
	if n == 0 {
		return
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(n) }
	b.Logf("the slowest 1%% (%d events, in calls of %.1f events on average): before Submit %.2f ms, in Submit %.2f ms, waiting for the store %.2f ms, in Apply %.2f ms, after %.2f ms",
		n, float64(size)/float64(n), ms(sum[0]), ms(sum[1]), ms(sum[2]), ms(sum[3]), ms(sum[4]))
}

// observeCheckpoints collects the rounds of the SQLite store's
// checkpointer from now until the function it returns is called, which
// stops and gives them (none for another store).
func observeCheckpoints(st store.Store) func() []sqlite.CheckpointRound {
	o, ok := st.(interface {
		ObserveCheckpoints(func(sqlite.CheckpointRound))
	})
	if !ok {
		return func() []sqlite.CheckpointRound { return nil }
	}
	var mu sync.Mutex
	var rounds []sqlite.CheckpointRound
	o.ObserveCheckpoints(func(r sqlite.CheckpointRound) {
		mu.Lock()
		defer mu.Unlock()
		rounds = append(rounds, r)
	})
	return func() []sqlite.CheckpointRound {
		o.ObserveCheckpoints(nil)
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(rounds)
	}
}

// overlap is the time of the checkpoint rounds within [from, to].
func overlap(rounds []sqlite.CheckpointRound, from, to time.Time) time.Duration {
	var d time.Duration
	for _, r := range rounds {
		s, e := r.Start, r.End
		if s.Before(from) {
			s = from
		}
		if e.After(to) {
			e = to
		}
		if e.After(s) {
			d += e.Sub(s)
		}
	}
	return d
}

// checkpointsMet logs how many of a paced run's events, of all and of the
// slowest (at or above slow, the p99), had a round of the checkpointer
// between their arrival and their call's return, and the rounds' share of
// the run: when the slowest met them much more often than the rest, the
// checkpoints start the stalls.
func checkpointsMet(b *testing.B, run Paced, rounds []sqlite.CheckpointRound, slow time.Duration) {
	if len(rounds) == 0 || len(run.Calls) == 0 {
		return
	}
	all, met, slowAll, slowMet := 0, 0, 0, 0
	for _, c := range run.Calls {
		for x := c.I; x < c.J; x++ {
			m := overlap(rounds, run.Arrival[x], c.Done) > 0
			all++
			if m {
				met++
			}
			if run.Lat[x] >= slow {
				slowAll++
				if m {
					slowMet++
				}
			}
		}
	}
	first, last := run.Arrival[0], run.Calls[len(run.Calls)-1].Done
	restarts, ckpt := 0, overlap(rounds, first, last)
	for _, r := range rounds {
		if r.Restart {
			restarts++
		}
	}
	b.Logf("the checkpointer: %d rounds (%d under the writer's lock), %.1f%% of the run; events that met a round before their call returned: %.1f%% of all, %.1f%% of the slowest 1%%",
		len(rounds), restarts, 100*ckpt.Seconds()/last.Sub(first).Seconds(), 100*float64(met)/float64(max(1, all)), 100*float64(slowMet)/float64(max(1, slowAll)))
}

// writeTimeline writes a paced run's calls to path (PROMOC_BENCH_TIMELINE),
// a line each, times in ms from t0: the call's events, the arrival of its
// first, Submit called and returned, its Apply's start and end, its wait's
// return, its slowest event's latency, and the ms of checkpoint rounds
// during its Apply; then the checkpointer's rounds, a line each: "ckpt",
// its start and end, P (PASSIVE) or R (RESTART under the writer's lock),
// the WAL's frames and those copied.
func writeTimeline(b *testing.B, path string, t0 time.Time, run Paced, spans [][2]time.Time, rounds []sqlite.CheckpointRound) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	ms := func(t time.Time) float64 { return float64(t.Sub(t0).Microseconds()) / 1000 }
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "call events arrival submit submitted apply applied done slowest ckpt (t0 %d ns)\n", t0.UnixNano())
	for k, c := range run.Calls {
		var a [2]time.Time
		if k < len(spans) {
			a = spans[k]
		}
		var slowest time.Duration
		for x := c.I; x < c.J; x++ {
			slowest = max(slowest, run.Lat[x])
		}
		fmt.Fprintf(w, "%d %d %.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f\n", k, c.J-c.I, ms(run.Arrival[c.I]), ms(c.Submit), ms(c.Submitted),
			ms(a[0]), ms(a[1]), ms(c.Done), float64(slowest.Microseconds())/1000, float64(overlap(rounds, a[0], a[1]).Microseconds())/1000)
	}
	for _, r := range rounds {
		mode := "P"
		if r.Restart {
			mode = "R"
		}
		fmt.Fprintf(w, "ckpt %.2f %.2f %s %d %d\n", ms(r.Start), ms(r.End), mode, r.Frames, r.Copied)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
}

// gcStats are the collector's counters at a moment (runtime/metrics):
// cycles, total pause time, the collector's CPU seconds (the runtime
// updates them at the end of each cycle), and the live heap.
type gcStats struct {
	cycles uint64
	pauses time.Duration
	cpu    float64
	heap   uint64
}

func gcNow() gcStats {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/sched/pauses/total/gc:seconds"},
		{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	var g gcStats
	if s[0].Value.Kind() == metrics.KindUint64 {
		g.cycles = s[0].Value.Uint64()
	}
	if s[1].Value.Kind() == metrics.KindFloat64Histogram {
		h := s[1].Value.Float64Histogram()
		for i, n := range h.Counts {
			// The bucket's lower bound (the last bucket's upper may be
			// infinite), which counts each pause at most as long as it was.
			g.pauses += time.Duration(float64(n) * h.Buckets[i] * float64(time.Second))
		}
	}
	if s[2].Value.Kind() == metrics.KindFloat64 {
		g.cpu = s[2].Value.Float64()
	}
	if s[3].Value.Kind() == metrics.KindUint64 {
		g.heap = s[3].Value.Uint64()
	}
	return g
}

// since is what the collector did from g0 to g (the heap is g's).
func (g gcStats) since(g0 gcStats) gcStats {
	return gcStats{cycles: g.cycles - g0.cycles, pauses: g.pauses - g0.pauses, cpu: g.cpu - g0.cpu, heap: g.heap}
}
