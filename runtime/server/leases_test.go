package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres"
	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
)

// The environment of a scheduler child: the database, its name in the
// leases, its clock, how long its leases last, how long it waits before
// each write (to be caught in the middle of a job), and the runs it waits
// for before it stops.
const (
	envAddr  = "PROMOC_SERVER_CHILD_ADDR"
	envName  = "PROMOC_SERVER_CHILD_NAME"
	envClock = "PROMOC_SERVER_CHILD_CLOCK"
	envTTL   = "PROMOC_SERVER_CHILD_TTL"
	envSlow  = "PROMOC_SERVER_CHILD_SLOW"
	envRuns  = "PROMOC_SERVER_CHILD_RUNS"
)

// recordingStore prints every new outcome its Apply stores ("outcome
// PLAYER"), after waiting slow before the write.
type recordingStore struct {
	*postgres.Store
	slow time.Duration
	mu   sync.Mutex
}

func (s *recordingStore) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	time.Sleep(s.slow)
	got, err := s.Store.Apply(ctx, changes)
	if err != nil {
		return got, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range got {
		for _, o := range a.Outcomes {
			if !o.Repeat {
				fmt.Printf("outcome %s %s\n", o.Key.Player, o.Status)
			}
		}
	}
	return got, nil
}

// schedulerChild is a promoc serve on PostgreSQL whose clock stands after
// the daily firing: its scheduler runs, under leases, until the store
// records every run it waits for as finished.
func schedulerChild() error {
	ctx := context.Background()
	st, err := postgres.Open(ctx, os.Getenv(envAddr))
	if err != nil {
		return err
	}
	defer st.Close()
	now, err := time.Parse(time.RFC3339, os.Getenv(envClock))
	if err != nil {
		return err
	}
	ttl, err := time.ParseDuration(os.Getenv(envTTL))
	if err != nil {
		return err
	}
	slow, _ := time.ParseDuration(os.Getenv(envSlow))
	runs, _ := strconv.Atoi(os.Getenv(envRuns))
	prog, err := runtime.Compile(os.DirFS("testdata/leases"))
	if err != nil {
		return err
	}
	srv, err := server.New(ctx, server.Config{Program: prog, Store: &recordingStore{Store: st, slow: slow}, Leases: st,
		Holder: os.Getenv(envName), LeaseTTL: ttl, Tick: 20 * time.Millisecond, Clock: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		rs, err := st.Runs(ctx, "daily", 100)
		if err != nil {
			stop()
			return err
		}
		finished := 0
		for _, r := range rs {
			if !r.Finished.IsZero() {
				finished++
			}
		}
		if finished == runs {
			break
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("%d of %d runs finished after 2 minutes", finished, runs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	return <-done
}

// leaseSetup makes a PostgreSQL schema with n players in each zone and
// the daily schedule put into service at t0 (it fires from the next
// midnight on).
func leaseSetup(t *testing.T, zones []string, n int) (addr string, st *postgres.Store) {
	t.Helper()
	ctx := context.Background()
	addr = pgtest.Fresh(t, "the server's tests")
	st, err := postgres.Open(ctx, addr)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	var ps []store.Player
	for _, z := range zones {
		for i := range n {
			id := fmt.Sprintf("%s-%04d", z, i)
			rec, err := runtime.EncodePlayer(runtime.Player{ID: id, Currency: "EUR", Zone: z})
			require.NoError(t, err)
			ps = append(ps, store.Player{ID: id, Zone: z, Props: rec})
		}
	}
	require.NoError(t, st.PutPlayers(ctx, ps))
	prog, err := runtime.Compile(os.DirFS("testdata/leases"))
	require.NoError(t, err)
	eng, err := engine.New(ctx, prog, st, engine.Options{})
	require.NoError(t, err)
	outs, err := eng.Advance(ctx, t0)
	require.NoError(t, err)
	require.Empty(t, outs, "put into service: nothing fires for the past")
	return addr, st
}

// proc is a scheduler child running.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  bytes.Buffer
}

func startSchedulers(t *testing.T, addr string, n, runs int, ttl, slow time.Duration) []*proc {
	t.Helper()
	ps := make([]*proc, n)
	for i := range ps {
		p := &proc{name: fmt.Sprintf("proc%d", i)}
		p.cmd = exec.Command(os.Args[0], "-test.run=^$")
		p.cmd.Env = append(os.Environ(), envChild+"=scheduler", envAddr+"="+addr, envName+"="+p.name,
			envClock+"="+t0.Add(36*time.Hour).Format(time.RFC3339), envTTL+"="+ttl.String(), envSlow+"="+slow.String(),
			fmt.Sprintf("%s=%d", envRuns, runs))
		p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
		require.NoError(t, p.cmd.Start())
		t.Cleanup(func() { p.cmd.Process.Kill() })
		ps[i] = p
	}
	return ps
}

// outcomesOf lists the players of the outcomes a child printed.
func (p *proc) outcomesOf(t *testing.T) []string {
	t.Helper()
	var players []string
	sc := bufio.NewScanner(bytes.NewReader(p.out.Bytes()))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "outcome" {
			assert.Equal(t, "issued", f[2], "%s: %s", p.name, sc.Text())
			players = append(players, f[1])
		}
	}
	return players
}

// storedOutcomes counts the outcomes of the log per player.
func storedOutcomes(t *testing.T, st store.Store) map[string]int {
	t.Helper()
	got := map[string]int{}
	var after int64
	for {
		page, err := st.Outcomes(context.Background(), after, 1000)
		require.NoError(t, err)
		if len(page) == 0 {
			return got
		}
		for _, o := range page {
			assert.Equal(t, "daily", o.Key.Rule)
			assert.Equal(t, store.Issued, o.Status)
			got[o.Key.Player]++
		}
		after = page[len(page)-1].Seq
	}
}

// TestLeasesProcesses: four promoc serve processes on one PostgreSQL
// database, their clocks past the daily firing in four zones, race for the
// four runs: every player gets the day's point once, and each zone's run
// is done by one process, the holder of its lease.
func TestLeasesProcesses(t *testing.T) {
	pgtest.Server(t, "the server's tests")
	zones := []string{"America/New_York", "Asia/Tokyo", "Europe/Malta", "UTC"}
	const perZone = 600
	addr, st := leaseSetup(t, zones, perZone)
	procs := startSchedulers(t, addr, 4, len(zones), 10*time.Second, 0)
	by := map[string]string{} // player → the process that rewarded it
	for _, p := range procs {
		require.NoError(t, p.cmd.Wait(), "%s:\n%s", p.name, p.out.String())
		for _, pl := range p.outcomesOf(t) {
			assert.Empty(t, by[pl], "%s rewarded by %s and %s", pl, by[pl], p.name)
			by[pl] = p.name
		}
	}
	stored := storedOutcomes(t, st)
	assert.Len(t, stored, len(zones)*perZone, "every player rewarded")
	for pl, n := range stored {
		assert.Equal(t, 1, n, "outcomes of %s", pl)
	}
	assert.Len(t, by, len(zones)*perZone, "each stored outcome printed by the process that stored it")
	holders := map[string]map[string]int{} // zone → process → players
	for pl, p := range by {
		z := pl[:strings.LastIndexByte(pl, '-')]
		if holders[z] == nil {
			holders[z] = map[string]int{}
		}
		holders[z][p]++
	}
	for _, z := range zones {
		assert.Len(t, holders[z], 1, "zone %s: one process ran it: %v", z, holders[z])
	}
	rs, err := st.Runs(context.Background(), "daily", 10)
	require.NoError(t, err)
	assert.Len(t, rs, len(zones))
	t.Logf("4 processes, %d zones of %d players: %d outcomes, one each; the zones' runs by process: %v", len(zones), perZone, len(stored), holders)
}

// TestLeasesKill: three processes race for one zone's run of 2,500
// players, which takes several writes; the holder of its lease is killed
// with SIGKILL in the middle of the run. Its lease expires, another
// process takes it and finishes the run: every player gets the day's
// point once, those the killed process rewarded are not rewarded again.
func TestLeasesKill(t *testing.T) {
	pgtest.Server(t, "the server's tests")
	const players = 2500
	addr, st := leaseSetup(t, []string{"UTC"}, players)
	const ttl = 2 * time.Second
	procs := startSchedulers(t, addr, 3, 1, ttl, 300*time.Millisecond)
	ctx := context.Background()
	var killed *proc
	var before int
	deadline := time.Now().Add(time.Minute)
	for killed == nil {
		require.True(t, time.Now().Before(deadline), "no process held the run's lease in the middle of the run within a minute")
		l, ok, err := st.LeaseOf(ctx, "scheduler/schedule/daily/UTC")
		require.NoError(t, err)
		if n := len(storedOutcomes(t, st)); ok && n > 0 && time.Now().Before(l.Expires) {
			require.Less(t, n, players, "the run ended before a kill: it must take several writes")
			for _, p := range procs {
				if p.name == l.Holder {
					killed = p
				}
			}
			require.NotNil(t, killed, "holder %q", l.Holder)
			require.NoError(t, killed.cmd.Process.Signal(syscall.SIGKILL))
			killed.cmd.Wait()
			before = len(storedOutcomes(t, st))
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	var after []string
	for _, p := range procs {
		if p == killed {
			continue
		}
		require.NoError(t, p.cmd.Wait(), "%s:\n%s", p.name, p.out.String())
		after = append(after, p.outcomesOf(t)...)
	}
	stored := storedOutcomes(t, st)
	assert.Len(t, stored, players, "every player rewarded")
	for pl, n := range stored {
		assert.Equal(t, 1, n, "outcomes of %s", pl)
	}
	assert.Len(t, after, players-before, "the survivors rewarded exactly the players the killed process had not")
	l, ok, err := st.LeaseOf(ctx, "scheduler/schedule/daily/UTC")
	require.NoError(t, err)
	require.True(t, ok)
	assert.NotEqual(t, killed.name, l.Holder, "the lease passed on")
	assert.GreaterOrEqual(t, l.Token, int64(2), "the lease passed on")
	rs, err := st.Runs(ctx, "daily", 10)
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.False(t, rs[0].Finished.IsZero(), "the run finished")
	t.Logf("3 processes, one run of %d players; %s killed with SIGKILL holding its lease after %d outcomes; the lease (%s) expired and the others gave the %d left, none twice",
		players, killed.name, before, ttl, players-before)
}
