//go:build unix

package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
)

// runCrashRules: a first-deposit bonus within a budget that runs out, a
// cashback every 3 bets, and a daily schedule in each player's zone.
const runCrashRules = `kind deposit {
	amount: money
}

kind bet {
	amount: money
}

reward welcome: amount {
	give 20% of last(deposit.amount)
	cap 50 EUR
}

automation first_deposit {
	trigger on first deposit
	budget 2000 EUR

	give welcome
}

reward batch: amount {
	window between first transaction and last transaction

	give 5% of sum(bet.amount)
}

automation every_three {
	trigger every 3 bet

	give batch
}

reward daily: points {
	window last full day in player zone

	give count(bet)
}

automation daily_points {
	trigger schedule every day 06:00 in player zone

	give daily
}
`

// TestRunCrash: promoc run killed with SIGKILL at random points and run
// again with the same log on the same database, until a run ends, leaves
// the outcome log a single run leaves: each outcome once, the budget never
// exceeded, no schedule fired twice or missed.
func TestRunCrash(t *testing.T) {
	dir := t.TempDir()
	proveRunCrash(t, filepath.Join(dir, "ref.db"), filepath.Join(dir, "crashed.db"))
}

// TestRunCrashPostgres is TestRunCrash on PostgreSQL.
func TestRunCrashPostgres(t *testing.T) {
	proveRunCrash(t, pgtest.Fresh(t, "promoc run's crash test"), pgtest.Fresh(t, "promoc run's crash test"))
}

// proveRunCrash runs the log once into ref, and into crashed with kills.
func proveRunCrash(t *testing.T, ref, crashed string) {
	exe, rules := crashRuleSet(t)
	require.NoError(t, os.WriteFile(filepath.Join(rules, "rules.promo"), []byte(runCrashRules), 0o644))
	dir := t.TempDir()
	logFile := filepath.Join(dir, "events.jsonl")
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	zones := []string{"Europe/Malta", "America/New_York", "Asia/Tokyo"}
	start := time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC)
	const players = 150
	for i := range players {
		fmt.Fprintf(&b, `{"id":"r%d","player":"p%d","kind":"player","time":"%s","currency":"EUR","zone":"%s"}`+"\n",
			i, i, start.Format(time.RFC3339), zones[i%len(zones)])
	}
	at := start
	for i := range 4000 {
		at = at.Add(time.Duration(1+rng.IntN(600)) * time.Second)
		p := rng.IntN(players)
		kind, amount := "bet", fmt.Sprintf("%d.%02d", 1+rng.IntN(50), rng.IntN(100))
		if rng.IntN(5) == 0 {
			kind, amount = "deposit", fmt.Sprintf("%d", 10+rng.IntN(300))
		}
		fmt.Fprintf(&b, `{"id":"e%d","player":"p%d","kind":"%s","time":"%s","amount":"%s"}`+"\n", i, p, kind, at.Format(time.RFC3339), amount)
	}
	require.NoError(t, os.WriteFile(logFile, []byte(b.String()), 0o644))
	until := at.Add(48 * time.Hour).Format(time.RFC3339)
	run := func(db string) *exec.Cmd {
		cmd := exec.Command(exe, "run", rules, "--events", logFile, "--db", db, "--until", until, "--batch", "64")
		cmd.Args[0] = "promoc"
		return cmd
	}

	out, err := run(ref).CombinedOutput()
	require.NoError(t, err, "%s", out)

	kills := killUntilDone(t, rng, seed, 400, func() *exec.Cmd { return run(crashed) })
	want, got := outcomeLines(t, ref), outcomeLines(t, crashed)
	require.NotEmpty(t, want)
	assert.Equal(t, want, got, "seed %d, %d kills: the outcomes of one run", seed, kills)
	t.Logf("seed %d: %d outcomes, %d kills", seed, len(want), kills)
}

// outcomeLines are the outcome log of db, each as key, status, reason,
// amount and time, sorted (the order of commits differs between runs only
// where batches split differently).
func outcomeLines(t *testing.T, db string) []string {
	t.Helper()
	ctx := context.Background()
	st, err := openStore(ctx, db, false)
	require.NoError(t, err)
	defer st.Close()
	var lines []string
	for _, o := range outcomeLog(t, st) {
		lines = append(lines, fmt.Sprintf("%s/%s/%s/%s %s %s %s %s %s", o.Key.Rule, o.Key.Action, o.Key.Player, o.Key.TriggerHash,
			o.Status, o.Reason, o.Amount.String(), o.Currency, o.At.UTC().Format(time.RFC3339Nano)))
	}
	sort.Strings(lines)
	bs, err := st.Budgets(ctx, "first_deposit")
	require.NoError(t, err)
	for _, b := range bs {
		lines = append(lines, fmt.Sprintf("budget %s limit %s posted %s reserved %s", b.Currency, b.Limit, b.Posted, b.Reserved))
		assert.False(t, b.Posted.GreaterThan(b.Limit), "the budget exceeded")
	}
	return lines
}

// killUntilDone starts run's command again and again, killing it with
// SIGKILL at a random point of its first 20 to 20+spread ms, until one
// ends by itself (which must succeed), and returns the kills. Each try
// allows 10 ms more, so that on a starved machine, where starting alone may
// take that long, the runs still get further each time.
func killUntilDone(t *testing.T, rng *rand.Rand, seed uint64, spread int, run func() *exec.Cmd) (kills int) {
	t.Helper()
	for try := 0; ; try++ {
		require.Less(t, try, 200, "promoc run never ended")
		cmd := run()
		require.NoError(t, cmd.Start())
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			require.NoError(t, err, "seed %d: a run that was not killed failed", seed)
			// A run ended before its first kill (a machine fast enough
			// for the whole log within it) would pass with no crash.
			require.Positive(t, kills, "seed %d: the first run ended before its kill: no crash was tested (the log is too short for this machine)", seed)
			return kills
		case <-time.After(time.Duration(20+rng.IntN(spread)+10*try) * time.Millisecond):
			require.NoError(t, cmd.Process.Kill())
			<-done
			kills++
		}
	}
}
