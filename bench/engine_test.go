package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// The engine workload's sizes come from the environment, so that CI's
// one run of each benchmark stays short and the full run of issue 11 is
// one variable away:
//
//	PROMOC_BENCH_EVENTS   events in the stream (default 20,000; the 1,000,000)
//	PROMOC_BENCH_PLAYERS  players (default a tenth of the events)
//	PROMOC_BENCH_BATCH    events per Handle call and the engine's BatchSize
//	                      (default engine.DefaultBatchSize, 4,096)
//	PROMOC_BENCH_TICK     events between calls of Advance (default 4,096)
//	PROMOC_BENCH_PRELOAD  events handled, unpaced, before the paced run (default half the events)
//	PROMOC_BENCH_PACED    events of the paced run (default 5,000: one second at 5,000/s)
//	PROMOC_BENCH_RATE     the paced run's events per second (default 5,000)
//	PROMOC_BENCH_GATHER   the paced run's window, µs after the first event waiting (default 0)
//	PROMOC_BENCH_OUTSTANDING the paced run's calls submitted and not yet written (default 2)
//	PROMOC_BENCH_AHEAD    1: a call submitted while one is outstanding only once the store
//	                      writes that one (Engine.Writing); the default when neither
//	                      OUTSTANDING nor GATHER is set (pacedHost)
//	PROMOC_BENCH_MOST     the paced run's most events a call (default 512)
//	PROMOC_BENCH_PIECE    with AHEAD, the first piece of a backlog (default 64; 0: none, PacedHost.Piece)
//	PROMOC_BENCH_TIMELINE a file: the paced run's calls, a line each (writeTimeline)
//	PROMOC_BENCH_TRACE    a file: Go's execution trace of the paced run (go tool trace)
//	PROMOC_BENCH_SLEEP    "precise": the paced host waits for arrivals on a timer file
//	                      descriptor, within tens of µs (default: Go's timers, up to 1 ms late;
//	                      sleep.go)
//	PROMOC_BENCH_SQLITE   "normal": SQLite with synchronous=NORMAL (default FULL)
//	PROMOC_BENCH_INFLIGHT the engine's Options.InFlight (default 2: a batch decided while
//	                      the one before is written; 1: one after the other)
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// envInt0 is envInt where 0 is a value too.
func envInt0(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v >= 0 {
		return v
	}
	return def
}

func streamSize() (events, players int) {
	events = envInt("PROMOC_BENCH_EVENTS", 20_000)
	return events, envInt("PROMOC_BENCH_PLAYERS", max(1, events/10))
}

// engineStore is one store of the benchmark: how to open a fresh one and
// what its rows take.
type engineStore struct {
	name string
	open func(b *testing.B) (store.Store, func() stateSize)
}

// stateSize is what the store holds: the bytes of the rows of the
// per-player tables (rule_state: states; events_seen: ids, hashes and
// bodies of the events), and on disk (tables and their indexes).
type stateSize struct {
	states, stateRows int64
	events, eventRows int64
	disk              int64
	diskNote          string
}

// sqliteRelaxed is PROMOC_BENCH_SQLITE=normal: the SQLite store opened
// with synchronous=NORMAL (sqlite.Options.Relaxed) instead of FULL.
func sqliteRelaxed() bool { return os.Getenv("PROMOC_BENCH_SQLITE") == "normal" }

func sqliteStore(b *testing.B) (store.Store, func() stateSize) {
	path := filepath.Join(b.TempDir(), "promoc.db")
	st, err := sqlite.OpenWith(context.Background(), path, sqlite.Options{Relaxed: sqliteRelaxed()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st, func() stateSize {
		db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=query_only(1)")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		var s stateSize
		row := db.QueryRow(`SELECT coalesce(sum(length(player) + length(rule) + length(data) + 8), 0), count(*) FROM rule_state`)
		if err := row.Scan(&s.states, &s.stateRows); err != nil {
			b.Fatal(err)
		}
		row = db.QueryRow(`SELECT coalesce(sum(length(player) + length(event_id) + length(hash) + length(kind) + 8 + coalesce(length(body), 0)), 0), count(*) FROM events_seen`)
		if err := row.Scan(&s.events, &s.eventRows); err != nil {
			b.Fatal(err)
		}
		// The pages of the per-player tables and their indexes, when
		// SQLite has its dbstat table; else the file.
		row = db.QueryRow(`SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN (SELECT name FROM sqlite_schema WHERE tbl_name IN ('rule_state', 'events_seen'))`)
		if err := row.Scan(&s.disk); err != nil {
			s.diskNote = "file"
			for _, f := range []string{path, path + "-wal"} {
				if fi, err := os.Stat(f); err == nil {
					s.disk += fi.Size()
				}
			}
		}
		return s
	}
}

func postgresStore(b *testing.B) (store.Store, func() stateSize) {
	base := os.Getenv("PROMOC_TEST_POSTGRES")
	if base == "" {
		b.Skip("PostgreSQL skipped: set PROMOC_TEST_POSTGRES")
	}
	ctx := context.Background()
	var r [6]byte
	rand.Read(r[:])
	schema := "promoc_bench_" + hex.EncodeToString(r[:])
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(ctx)
	})
	dsn := base + " search_path=" + schema
	if strings.Contains(base, "://") {
		u, err := url.Parse(base)
		if err != nil {
			b.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st, func() stateSize {
		var s stateSize
		q := func(sql string, dst ...any) {
			if err := conn.QueryRow(ctx, sql).Scan(dst...); err != nil {
				b.Fatal(err)
			}
		}
		q(`SELECT coalesce(sum(pg_column_size(t.*)), 0), count(*) FROM `+schema+`.rule_state t`, &s.states, &s.stateRows)
		q(`SELECT coalesce(sum(pg_column_size(t.*)), 0), count(*) FROM `+schema+`.events_seen t`, &s.events, &s.eventRows)
		q(`SELECT pg_total_relation_size('`+schema+`.rule_state') + pg_total_relation_size('`+schema+`.events_seen')`, &s.disk)
		return s
	}
}

var engineStores = []engineStore{{"sqlite", sqliteStore}, {"postgres", postgresStore}}

// cpuTime is the process's CPU time so far, user and system: the engine's
// and, on SQLite, the database's; not the PostgreSQL server's.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// memStats reads the allocator's counters without collecting: TotalAlloc
// and Mallocs of two readings give the bytes and objects allocated between
// them, by the engine, the store's driver and the stream alike.
func memStats() goruntime.MemStats {
	var m goruntime.MemStats
	goruntime.ReadMemStats(&m)
	return m
}

// ioCounts is the process's write system calls and bytes written so far
// (/proc/self/io's syscw and wchar: the store's WAL frames, checkpoint
// copies and everything else the process writes); ok false where there is
// no /proc.
func ioCounts() (calls, bytes int64, ok bool) {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, found := strings.Cut(line, ": ")
		if !found {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "syscw":
			calls = n
		case "wchar":
			bytes = n
		}
	}
	return calls, bytes, true
}

func heapInUse() uint64 {
	var m goruntime.MemStats
	goruntime.GC()
	goruntime.GC()
	goruntime.ReadMemStats(&m)
	return m.HeapAlloc
}

// engineGC sets, for an engine benchmark, the collector's target promoc
// run and serve set (engine.GCPercent), unless GOGC is set.
func engineGC(b *testing.B) {
	if os.Getenv("GOGC") != "" {
		return
	}
	old := debug.SetGCPercent(engine.GCPercent)
	b.Cleanup(func() { debug.SetGCPercent(old) })
}

// BenchmarkEngine runs the whole stream through a fresh engine and store
// per operation (run it with -benchtime=1x): events/s of Handle and of the
// engine's clock together, the state per player in the store and in the
// engine's cache.
func BenchmarkEngine(b *testing.B) {
	engineGC(b)
	events, players := streamSize()
	batch := envInt("PROMOC_BENCH_BATCH", engine.DefaultBatchSize)
	tick := envInt("PROMOC_BENCH_TICK", 4096)
	prog, err := CompileCampaigns()
	if err != nil {
		b.Fatal(err)
	}
	for _, es := range engineStores {
		b.Run("store="+es.name, func(b *testing.B) {
			ctx := context.Background()
			for range b.N {
				b.StopTimer()
				raw, size := es.open(b)
				st := &timedStore{Store: raw}
				e, err := engine.New(ctx, prog, st, engine.Options{BatchSize: batch, InFlight: envInt("PROMOC_BENCH_INFLIGHT", 2)})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				cpu0, mem0 := cpuTime(), memStats()
				wcalls0, wbytes0, wok := ioCounts()
				run, err := RunStream(ctx, e, NewStream(events, players, 1), batch, tick, 0)
				cpu, mem1 := cpuTime()-cpu0, memStats()
				wcalls1, wbytes1, _ := ioCounts()
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				withEngine := heapInUse()
				goruntime.KeepAlive(e)
				e = nil
				cache := int64(withEngine) - int64(heapInUse())
				s := size()
				total := run.Handle + run.Advance
				b.ReportMetric(float64(run.Events)/total.Seconds(), "events/s")
				b.ReportMetric(float64(run.Events)/run.Handle.Seconds(), "handle-events/s")
				b.ReportMetric(run.Advance.Seconds()/total.Seconds()*100, "%advance")
				b.ReportMetric(st.apply.Seconds()/total.Seconds()*100, "%apply")
				b.ReportMetric(st.reads.Seconds()/total.Seconds()*100, "%reads")
				b.ReportMetric(float64(cpu.Microseconds())/float64(run.Events), "cpu-µs/event")
				b.ReportMetric(float64(mem1.TotalAlloc-mem0.TotalAlloc)/float64(run.Events), "B/event")
				b.ReportMetric(float64(mem1.Mallocs-mem0.Mallocs)/float64(run.Events), "allocs/event")
				if wok {
					b.ReportMetric(float64(wcalls1-wcalls0)/float64(run.Events), "writes/event")
					b.ReportMetric(float64(wbytes1-wbytes0)/float64(run.Events), "write-B/event")
				}
				b.ReportMetric(float64(s.states)/float64(players), "state-B/player")
				b.ReportMetric(float64(s.events)/float64(players), "events-B/player")
				b.ReportMetric(float64(s.disk)/float64(players), "disk-B/player")
				b.ReportMetric(float64(cache)/float64(players), "cache-B/player")
				b.ReportMetric(0, "ns/op")
				n := 0
				for _, c := range run.Outcomes {
					n += c
				}
				b.ReportMetric(float64(n), "outcomes")
				b.Logf("%s: %d events, %d players, batches of %d, Advance every %d: Handle %v, Advance %v; store: %d Apply %v, %d reads %v; rule_state %d rows %d B, events_seen %d rows %d B, disk %d B %s; engine cache %d B",
					es.name, run.Events, players, batch, tick, run.Handle.Round(time.Millisecond), run.Advance.Round(time.Millisecond),
					st.applies, st.apply.Round(time.Millisecond), st.readCalls, st.reads.Round(time.Millisecond),
					s.stateRows, s.states, s.eventRows, s.events, s.disk, s.diskNote, cache)
				keys := make([]string, 0, len(run.Outcomes))
				for k := range run.Outcomes {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				var sb strings.Builder
				for _, k := range keys {
					fmt.Fprintf(&sb, "\n\t%7d %s", run.Outcomes[k], k)
				}
				b.Logf("outcomes:%s", sb.String())
			}
		})
	}
}

// pacedHost is the paced run's host from the environment: by default two
// calls outstanding, the second submitted once the store writes the first
// (PacedHost.Ahead, which with two outstanding changes little: the first
// is being written by then), a backlog cut in pieces of 64, 128, 256 and 512
// events (PacedHost.Piece), each decided while the store writes the one
// before, the oldest events done first. PROMOC_BENCH_OUTSTANDING or PROMOC_BENCH_GATHER set
// give the feeding they say without that (as before the session of
// 2026-12-06, late night: OUTSTANDING=1 the queueing host of 20:14,
// OUTSTANDING=3 GATHER=1000 the feeding before it); PROMOC_BENCH_AHEAD=0
// or 1 says it outright.
func pacedHost() PacedHost {
	_, setO := os.LookupEnv("PROMOC_BENCH_OUTSTANDING")
	_, setG := os.LookupEnv("PROMOC_BENCH_GATHER")
	h := PacedHost{
		Outstanding: envInt("PROMOC_BENCH_OUTSTANDING", 2),
		Gather:      time.Duration(envInt0("PROMOC_BENCH_GATHER", 0)) * time.Microsecond,
		Ahead:       !setO && !setG,
	}
	if v, err := strconv.Atoi(os.Getenv("PROMOC_BENCH_AHEAD")); err == nil {
		h.Ahead = v != 0
	}
	h.Most = envInt("PROMOC_BENCH_MOST", 512)
	h.CoarseSleep = os.Getenv("PROMOC_BENCH_SLEEP") != "precise"
	if h.Ahead {
		h.Piece = envInt0("PROMOC_BENCH_PIECE", 64) // a backlog in pieces, each decided while the one before is written
	}
	return h
}

// BenchmarkEngineLatency handles the first PROMOC_BENCH_PRELOAD events of
// the stream unpaced, then PROMOC_BENCH_PACED more as they arrive at
// PROMOC_BENCH_RATE per second (PacedRun), and reports the latency from an
// event's arrival to the return of the wait of the call that stored its
// outcomes, and where the slowest 1% of events spent it (phases).
func BenchmarkEngineLatency(b *testing.B) {
	engineGC(b)
	events, players := streamSize()
	preload := envInt("PROMOC_BENCH_PRELOAD", events/2)
	paced := envInt("PROMOC_BENCH_PACED", 5000)
	rate := float64(envInt("PROMOC_BENCH_RATE", 5000))
	prog, err := CompileCampaigns()
	if err != nil {
		b.Fatal(err)
	}
	for _, es := range engineStores {
		b.Run("store="+es.name, func(b *testing.B) {
			ctx := context.Background()
			for range b.N {
				b.StopTimer()
				raw, _ := es.open(b)
				st := &timedStore{Store: raw}
				e, err := engine.New(ctx, prog, st, engine.Options{InFlight: envInt("PROMOC_BENCH_INFLIGHT", 2)})
				if err != nil {
					b.Fatal(err)
				}
				s := NewStream(max(events, preload+paced), players, 1)
				if _, err := RunStream(ctx, e, s, 512, 4096, preload); err != nil {
					b.Fatal(err)
				}
				var spans [][2]time.Time
				ckpts := observeCheckpoints(raw)
				st.mu.Lock()
				st.spans = &spans
				reads0, readTime0 := st.readCalls, st.reads
				st.mu.Unlock()
				gc0, cpu0 := gcNow(), cpuTime()
				wcalls0, wbytes0, wok := ioCounts()
				stopTrace := traceTo(b, os.Getenv("PROMOC_BENCH_TRACE"))
				b.StartTimer()
				t0 := time.Now()
				run, err := PacedRun(ctx, e, s, paced, rate, pacedHost())
				if err != nil {
					b.Fatal(err)
				}
				took := time.Since(t0)
				b.StopTimer()
				stopTrace()
				gc, cpu := gcNow().since(gc0), cpuTime()-cpu0
				wcalls1, wbytes1, _ := ioCounts()
				st.mu.Lock()
				st.spans = nil
				rounds := ckpts()
				reads, readTime := st.readCalls-reads0, st.reads-readTime0
				st.mu.Unlock()
				if f := os.Getenv("PROMOC_BENCH_TIMELINE"); f != "" {
					writeTimeline(b, f, t0, run, spans, rounds)
				}
				lat := slices.Clone(run.Lat)
				calls := len(run.Calls)
				b.ReportMetric(float64(len(lat))/took.Seconds(), "events/s")
				b.ReportMetric(float64(len(lat))/float64(max(1, calls)), "events/call")
				b.ReportMetric(float64(cpu.Microseconds())/float64(len(lat)), "cpu-µs/event")
				if wok {
					b.ReportMetric(float64(wcalls1-wcalls0)/float64(len(lat)), "writes/event")
					b.ReportMetric(float64(wbytes1-wbytes0)/float64(len(lat)), "write-B/event")
				}
				slices.Sort(lat)
				q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
				b.ReportMetric(float64(q(0.50).Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(q(0.99).Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(q(0.999).Microseconds())/1000, "p99.9-ms")
				b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
				phases(b, run, spans, q(0.99))
				checkpointsMet(b, run, rounds, q(0.99))
				b.Logf("the collector during the paced run: %d cycles, %v of pauses, %.2f s of CPU; live heap after %d MB; the store's reads: %d taking %v in all",
					gc.cycles, gc.pauses, gc.cpu, gc.heap>>20, reads, readTime.Round(time.Millisecond))
				b.ReportMetric(0, "ns/op")
			}
		})
	}
}

// traceTo starts Go's execution trace into the file named (none when the
// name is empty) and returns what stops it: where the paced run's stalls
// come from (the collector's workers, the checkpointer, a goroutine
// waiting for a processor) is in it, for go tool trace. A run that fails
// before stop has the trace stopped and the file closed at its cleanup;
// with several iterations the file holds the last one's.
func traceTo(b *testing.B, name string) (stop func()) {
	if name == "" {
		return func() {}
	}
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	if err := trace.Start(f); err != nil {
		f.Close()
		b.Fatal(err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			trace.Stop()
			if err := f.Close(); err != nil {
				b.Error(err)
			}
		})
	}
	b.Cleanup(stop)
	return stop
}
