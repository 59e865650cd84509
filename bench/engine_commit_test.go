package bench

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// BenchmarkEngineCommit is the paced run's transaction alone, unpaced and
// one at a time: after PROMOC_BENCH_PRELOAD events of the stream (default
// half of PROMOC_BENCH_EVENTS), PROMOC_BENCH_CALLS calls (default 300) of
// PROMOC_BENCH_CALL events each (default 3: the calls of the paced run at
// 5,000 events/s) go through Engine.Handle on SQLite, each its own store
// transaction. It reports the CPU and Apply's wall time a call, and what
// each commit wrote: the WAL frames of the calls' commits, read from the
// WAL file after them, and with -v the B-trees their pages belong to
// (SQLite's dbstat), leaf and interior pages apart.
// PROMOC_BENCH_CPUPROFILE=FILE writes a CPU profile of the calls alone.
func BenchmarkEngineCommit(b *testing.B) {
	engineGC(b)
	events, players := streamSize()
	preload := envInt("PROMOC_BENCH_PRELOAD", events/2)
	calls := envInt("PROMOC_BENCH_CALLS", 300)
	per := envInt("PROMOC_BENCH_CALL", 3)
	prog, err := CompileCampaigns()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "promoc.db")
		raw, err := sqlite.OpenWith(ctx, path, sqlite.Options{Relaxed: sqliteRelaxed()})
		if err != nil {
			b.Fatal(err)
		}
		st := &timedStore{Store: raw}
		e, err := engine.New(ctx, prog, st, engine.Options{InFlight: 2})
		if err != nil {
			b.Fatal(err)
		}
		s := NewStream(max(events, preload+calls*per), players, 1)
		if _, err := RunStream(ctx, e, s, 512, 4096, preload); err != nil {
			b.Fatal(err)
		}
		st.mu.Lock()
		apply0, applies0 := st.apply, st.applies
		st.mu.Unlock()
		cpu0 := cpuTime()
		wcalls0, wbytes0, wok := ioCounts()
		stopProfile := cpuProfileTo(b, os.Getenv("PROMOC_BENCH_CPUPROFILE"))
		b.StartTimer()
		t0 := time.Now()
		for range calls {
			evs := make([]engine.Event, 0, per)
			for range per {
				ev, ok := s.Next()
				if !ok {
					b.Fatal("the stream ended")
				}
				evs = append(evs, ev)
			}
			if _, err := e.Handle(ctx, evs); err != nil {
				b.Fatal(err)
			}
		}
		took := time.Since(t0)
		b.StopTimer()
		stopProfile()
		cpu := cpuTime() - cpu0
		wcalls1, wbytes1, _ := ioCounts()
		st.mu.Lock()
		apply, applies := st.apply-apply0, st.applies-applies0
		st.mu.Unlock()
		b.ReportMetric(float64(calls)/took.Seconds(), "calls/s")
		b.ReportMetric(float64(cpu.Microseconds())/float64(calls), "cpu-µs/call")
		b.ReportMetric(float64(apply.Microseconds())/float64(max(1, applies)), "apply-µs/call")
		if wok {
			b.ReportMetric(float64(wcalls1-wcalls0)/float64(calls), "writes/call")
			b.ReportMetric(float64(wbytes1-wbytes0)/float64(calls), "write-B/call")
		}
		commits, err := walCommits(path + "-wal")
		if err != nil {
			b.Fatal(err)
		}
		if len(commits) > applies {
			commits = commits[len(commits)-applies:]
		}
		frames := 0
		for _, c := range commits {
			frames += len(c)
		}
		b.ReportMetric(float64(frames)/float64(max(1, len(commits))), "frames/commit")
		b.Logf("%d calls of %d events: %d Apply, %v in Apply; %d commits read from the WAL", calls, per, applies, apply.Round(time.Millisecond), len(commits))
		if err := logBTrees(b, path, commits); err != nil {
			b.Fatal(err)
		}
		raw.Close()
		b.ReportMetric(0, "ns/op")
	}
}

// cpuProfileTo starts a CPU profile of the calls alone into the file at
// path (none when path is empty); the function returned stops it.
func cpuProfileTo(b *testing.B, path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// walCommits reads the WAL file at path: the page numbers of the frames
// of each commit, in the order written, of the frames that carry the
// header's salts (those of the WAL's current generation).
func walCommits(path string) ([][]uint32, error) {
	w, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(w) < 32 {
		return nil, fmt.Errorf("%s: %d bytes, no WAL header", path, len(w))
	}
	pageSize := int(binary.BigEndian.Uint32(w[8:]))
	salt := w[16:24]
	var commits [][]uint32
	var cur []uint32
	for off := 32; off+24+pageSize <= len(w); off += 24 + pageSize {
		h := w[off : off+24]
		if string(h[8:16]) != string(salt) {
			break
		}
		cur = append(cur, binary.BigEndian.Uint32(h[0:]))
		if binary.BigEndian.Uint32(h[4:]) != 0 { // the commit's frame: the database's size after it
			commits = append(commits, cur)
			cur = nil
		}
	}
	return commits, nil
}

// logBTrees logs, by B-tree, the pages the commits wrote: leaf and
// interior pages, and in how many commits of all the B-tree appears.
func logBTrees(b *testing.B, path string, commits [][]uint32) error {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=query_only(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name, pageno, pagetype FROM dbstat`)
	if err != nil {
		b.Logf("no dbstat: %v", err)
		return nil
	}
	type owner struct{ name, kind string }
	owners := map[uint32]owner{}
	for rows.Next() {
		var o owner
		var pg uint32
		if err := rows.Scan(&o.name, &pg, &o.kind); err != nil {
			rows.Close()
			return err
		}
		owners[pg] = o
	}
	rows.Close()
	type count struct{ leaf, interior, overflow, commits int }
	by := map[string]*count{}
	for _, c := range commits {
		in := map[string]bool{}
		for _, pg := range c {
			o, ok := owners[pg]
			if !ok {
				o = owner{name: "(free or gone)", kind: "leaf"}
			}
			if pg == 1 {
				o.name = "(page 1)"
			}
			n := by[o.name]
			if n == nil {
				n = &count{}
				by[o.name] = n
			}
			switch o.kind {
			case "internal":
				n.interior++
			case "overflow":
				n.overflow++
			default:
				n.leaf++
			}
			if !in[o.name] {
				in[o.name] = true
				n.commits++
			}
		}
	}
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	slices.SortFunc(names, func(x, y string) int {
		cx, cy := by[x], by[y]
		return (cy.leaf + cy.interior + cy.overflow) - (cx.leaf + cx.interior + cx.overflow)
	})
	k := float64(max(1, len(commits)))
	var sb strings.Builder
	for _, n := range names {
		c := by[n]
		fmt.Fprintf(&sb, "\n  %-28s %5.2f leaf %5.2f interior %5.2f overflow pages a commit, in %3.0f%% of commits",
			n, float64(c.leaf)/k, float64(c.interior)/k, float64(c.overflow)/k, float64(c.commits)/k*100)
	}
	b.Logf("the pages of the commits by B-tree:%s", sb.String())
	return nil
}
