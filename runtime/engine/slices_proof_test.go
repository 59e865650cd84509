package engine_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
)

// The budget proofs with budget slices on (store.Slices): engines in
// goroutines and in processes, each store its own holder, and a holder
// killed with SIGKILL while its slice is out. The checks are raceBudget's:
// the posted total never exceeds the budget (sampled during the race) and
// is exactly what fits, never part of an amount, one outcome per event,
// one budget-exhausted refusal, the ledger audited.

// envSlices names the holder of a child's slices (with the child's pid
// added); envSliceTTL is its lease.
const (
	envSlices   = "PROMOC_ENGINE_PROOF_SLICES"
	envSliceTTL = "PROMOC_ENGINE_PROOF_SLICE_TTL"
)

// sliceOptions: a slice is a tenth of the budget.
func sliceOptions(holder string, ttl time.Duration) store.SliceOptions {
	return store.SliceOptions{Holder: holder, TTL: ttl, Parts: 10}
}

func childSlices(st store.Store) error {
	h := os.Getenv(envSlices)
	if h == "" {
		return nil
	}
	ttl := time.Minute
	if d, err := time.ParseDuration(os.Getenv(envSliceTTL)); err == nil {
		ttl = d
	}
	return st.(store.Slices).UseSlices(sliceOptions(fmt.Sprintf("%s-%d", h, os.Getpid()), ttl))
}

// sliceGoroutineRacers: 16 goroutines, each with an engine of its own, on
// 4 stores, each the holder of its own slices.
func sliceGoroutineRacers(b backend, n int) func(t *testing.T, addr string, st store.Store, prog *runtime.Program) int {
	return func(t *testing.T, addr string, _ store.Store, prog *runtime.Program) int {
		const holders = 4
		stores := make([]store.Store, holders)
		for h := range holders {
			stores[h] = b.openAt(t, addr)
			require.NoError(t, stores[h].(store.Slices).UseSlices(sliceOptions(fmt.Sprint("holder", h), time.Minute)))
		}
		return raceGoroutines(t, prog, n, func(g int) store.Store { return stores[g%holders] })
	}
}

// sliceProcessRacers: processRacers, each process the holder of its own
// slices.
func sliceProcessRacers(b backend, c raceCase, n int) func(t *testing.T, addr string, st store.Store, prog *runtime.Program) int {
	return func(t *testing.T, addr string, st store.Store, prog *runtime.Program) int {
		t.Setenv(envSlices, "proc")
		return processRacers(b, c, n)(t, addr, st, prog)
	}
}

func testSliceRace(t *testing.T, b backend, processes bool) {
	if b.name == "postgres" {
		pgtest.Server(t, "the engine's proofs")
	}
	n := raceN()
	for _, c := range raceCases(n) {
		t.Run(c.Name, func(t *testing.T) {
			racers := sliceGoroutineRacers(b, n)
			if processes {
				racers = sliceProcessRacers(b, c, n)
			}
			raceBudget(t, b, c, n, racers)
		})
	}
}

func TestProofSliceRaceGoroutinesSQLite(t *testing.T)   { testSliceRace(t, sqliteBackend, false) }
func TestProofSliceRaceGoroutinesPostgres(t *testing.T) { testSliceRace(t, postgresBackend, false) }
func TestProofSliceRaceProcessesSQLite(t *testing.T)    { testSliceRace(t, sqliteBackend, true) }
func TestProofSliceRaceProcessesPostgres(t *testing.T)  { testSliceRace(t, postgresBackend, true) }

// testSliceKill: a process racing with a slice is killed with SIGKILL
// after a tenth of its events; its slice stays out, counted as posted,
// until its lease ends; then another engine, on a slice of its own,
// handles every event again (the dead process's are duplicates) and the
// dead holder's slice comes back with the first slice granted after.
func testSliceKill(t *testing.T, b backend) {
	if b.name == "postgres" {
		pgtest.Server(t, "the engine's proofs")
	}
	n := raceN()
	c := raceCases(n)[1] // uneven: the last 6 EUR fit no reward
	const ttl = 2 * time.Second
	raceBudget(t, b, c, n, func(t *testing.T, addr string, st store.Store, prog *runtime.Program) int {
		ctx := context.Background()
		t.Setenv(envSlices, "victim")
		t.Setenv(envSliceTTL, ttl.String())
		cmd := childCmd(t, "race", b, addr, raceArgs{Case: c, From: 0, To: n, Progress: true})
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var errs strings.Builder
		cmd.Stderr = &errs
		require.NoError(t, cmd.Start())
		lines := bufio.NewScanner(out)
		done := 0
		for done < n/10 && lines.Scan() {
			fmt.Sscanf(lines.Text(), "progress %d", &done)
		}
		require.NoError(t, cmd.Process.Kill()) // SIGKILL
		_ = cmd.Wait()
		killed := time.Now()
		require.GreaterOrEqual(t, done, n/10, "the victim's progress; its errors:\n%s", errs.String())
		held, err := st.(store.Slices).SlicesOf(ctx, "race")
		require.NoError(t, err)
		require.Len(t, held, 1, "the dead holder's slice is out")
		require.True(t, strings.HasPrefix(held[0].Holder, "victim-"), "held by %s", held[0].Holder)
		// Posted counts every reward the victim committed: those its slice
		// holds and any it took before (a slice whose lease ended while the
		// victim stalled, folded into posted by its next grant; a batch
		// left to the account's path), no more, no less.
		bs, err := st.Budgets(ctx, "race")
		require.NoError(t, err)
		committed, err := allStored(ctx, st)
		require.NoError(t, err)
		sum := decimal.Zero
		for _, o := range committed {
			if o.Status == store.Issued {
				sum = sum.Add(o.Amount)
			}
		}
		require.True(t, bs[0].Posted.Equal(sum), "posted %s, the victim's issued rewards %s", bs[0].Posted, sum)
		require.True(t, held[0].Used.IsPositive() && held[0].Used.LessThanOrEqual(sum),
			"the slice's used %s is part of posted %s", held[0].Used, sum)
		require.NoError(t, st.Audit(ctx))

		time.Sleep(time.Until(killed.Add(ttl + 100*time.Millisecond)))
		survivor := b.openAt(t, addr)
		require.NoError(t, survivor.(store.Slices).UseSlices(sliceOptions("survivor", time.Minute)))
		if _, err := raceWorker(ctx, prog, survivor, 0, n); err != nil {
			t.Fatal(err)
		}
		left, err := st.(store.Slices).SlicesOf(ctx, "race")
		require.NoError(t, err)
		for _, s := range left {
			require.False(t, strings.HasPrefix(s.Holder, "victim-"), "the dead holder's slice came back")
		}
		t.Logf("%s: the victim was killed after %d events; its slice %s/%s came back after its lease", b.name, done, held[0].Granted, held[0].Used)
		// What was issued, by both, is in the log (the victim's reports
		// died with it).
		all, err := allStored(ctx, st)
		require.NoError(t, err)
		issued := 0
		for _, o := range all {
			if o.Status == store.Issued {
				issued++
			}
		}
		return issued
	})
}

func TestProofSliceKillSQLite(t *testing.T)   { testSliceKill(t, sqliteBackend) }
func TestProofSliceKillPostgres(t *testing.T) { testSliceKill(t, postgresBackend) }
