package engine_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
)

// The proofs of the engine's guarantees (issue 11, section 6), each on
// SQLite and on PostgreSQL: a budget raced by engines in goroutines and in
// processes, events delivered several times, a process killed with SIGKILL
// and restarted, and one event log on both stores. Child processes are this
// test binary started again with the environment below (see TestMain).
const (
	envChild   = "PROMOC_ENGINE_PROOF_CHILD" // race or crash
	envBackend = "PROMOC_ENGINE_PROOF_BACKEND"
	envAddr    = "PROMOC_ENGINE_PROOF_ADDR"
	envArgs    = "PROMOC_ENGINE_PROOF_ARGS" // the mode's arguments, JSON
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(envChild); mode != "" {
		if err := proofChild(mode); err != nil {
			fmt.Fprintf(os.Stderr, "engine proof child %s: %v\n", mode, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	if err := pgtest.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "dropping the PostgreSQL schemas of pgtest.Fresh:", err)
	}
	os.Exit(code)
}

// childCmd is the test binary started again as a child doing mode.
func childCmd(t testing.TB, mode string, b backend, addr string, args any) *exec.Cmd {
	a, err := json.Marshal(args)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+mode, envBackend+"="+b.name, envAddr+"="+addr, envArgs+"="+string(a))
	return cmd
}

func proofChild(mode string) error {
	ctx := context.Background()
	b, err := backendNamed(os.Getenv(envBackend))
	if err != nil {
		return err
	}
	st, err := b.open(ctx, os.Getenv(envAddr))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := childSlices(st); err != nil {
		return err
	}
	args := []byte(os.Getenv(envArgs))
	switch mode {
	case "race":
		var a raceArgs
		if err := json.Unmarshal(args, &a); err != nil {
			return err
		}
		prog, err := program(a.Case.rules())
		if err != nil {
			return err
		}
		var progress func(int)
		if a.Progress {
			progress = func(next int) { fmt.Printf("progress %d\n", next) }
		}
		issued, err := raceWorkerProgress(ctx, prog, st, a.From, a.To, progress)
		if err != nil {
			return err
		}
		fmt.Printf("issued %d\n", issued)
		return nil
	case "crash":
		var a crashArgs
		if err := json.Unmarshal(args, &a); err != nil {
			return err
		}
		return crashRun(ctx, st, a.N, func(next int) { fmt.Printf("progress %d\n", next) })
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// The budget race.

// raceCase is a budget and the amount every reward takes from it.
type raceCase struct {
	Name, Amount, Budget string
}

func (c raceCase) rules() string {
	return fmt.Sprintf(`
kind deposit {
	amount: money
}

reward fixed: amount {
	give %s EUR
}

automation race {
	trigger on deposit
	budget %s EUR

	give fixed
}
`, c.Amount, c.Budget)
}

// raceCases: an amount that divides the budget, with 60% of the n rewards
// fitting; one that does not (7 into 7 × 60% of n, plus 6); and the 7 EUR
// into 100 EUR of the issue, which 14 rewards fill.
func raceCases(n int) []raceCase {
	fit := n * 6 / 10
	return []raceCase{
		{Name: "divides", Amount: "10", Budget: strconv.Itoa(10 * fit)},
		{Name: "uneven", Amount: "7", Budget: strconv.Itoa(7*fit + 6)},
		{Name: "7into100", Amount: "7", Budget: "100"},
	}
}

// The proofs run at full size (the sizes of issue 11) when
// PROMOC_ENGINE_PROOF_FULL=1, as .ci/run does; otherwise, so that go test
// ./... stays quick on a small machine, on smaller logs, and smaller
// still with -short.
const envFull = "PROMOC_ENGINE_PROOF_FULL"

func size(short, small, full int) int {
	switch {
	case os.Getenv(envFull) == "1":
		return full
	case testing.Short():
		return short
	}
	return small
}

func raceN() int { return size(500, 1000, 10_000) }

type raceArgs struct {
	Case     raceCase
	From, To int
	Progress bool // print "progress N" after each call (slices_proof_test.go)
}

// raceEvent is the deposit of player i: one event per player, each
// triggering a reward.
func raceEvent(i int) engine.Event {
	return engine.Event{ID: fmt.Sprintf("d%d", i), Player: fmt.Sprintf("racer%05d", i), Kind: "deposit",
		Time: logStart.Add(time.Duration(i) * time.Millisecond), Currency: "EUR",
		Attrs: map[string]any{"amount": json.Number("50")}}
}

// raceWorker handles the events [from, to) with an engine of its own, 25
// events a call, and counts the rewards Handle reports issued.
func raceWorker(ctx context.Context, prog *runtime.Program, st store.Store, from, to int) (int, error) {
	return raceWorkerProgress(ctx, prog, st, from, to, nil)
}

// raceWorkerProgress is raceWorker, telling progress (when not nil) the
// events handled after each call.
func raceWorkerProgress(ctx context.Context, prog *runtime.Program, st store.Store, from, to int, progress func(int)) (int, error) {
	e, err := engine.New(ctx, prog, st, engine.Options{})
	if err != nil {
		return 0, err
	}
	issued := 0
	for i := from; i < to; i += 25 {
		var evs []engine.Event
		for j := i; j < min(i+25, to); j++ {
			evs = append(evs, raceEvent(j))
		}
		outs, err := e.Handle(ctx, evs)
		if err != nil {
			return issued, err
		}
		for _, o := range outs {
			if o.Status == string(store.Issued) {
				issued++
			}
		}
		if progress != nil {
			progress(min(i+25, to))
		}
	}
	return issued, nil
}

// raceBudget runs one race on a fresh database: racers(addr, st) starts
// the engines and gives the rewards they report issued. Then the posted
// total is exactly what fits, never more, never part of an amount; the
// ledger audits; every event has one outcome; the issued ones are what
// Handle reported.
func raceBudget(t *testing.T, b backend, c raceCase, n int, racers func(t *testing.T, addr string, st store.Store, prog *runtime.Program) int) {
	ctx := context.Background()
	addr := b.fresh(t)
	st := b.openAt(t, addr)
	prog, err := program(c.rules())
	require.NoError(t, err)
	// The account is open before the race: no racer's New races another's.
	_, err = engine.New(ctx, prog, st, engine.Options{})
	require.NoError(t, err)

	// A watcher samples the account during the race.
	stop := make(chan struct{})
	var samples int
	var over []string
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			bs, err := st.Budgets(ctx, "race")
			samples++
			if err != nil {
				over = append(over, "reading the budget: "+err.Error())
			}
			for _, b := range bs {
				if b.Posted.Add(b.Reserved).GreaterThan(b.Limit) {
					over = append(over, fmt.Sprintf("posted %s + reserved %s > limit %s", b.Posted, b.Reserved, b.Limit))
				}
			}
		}
	}()
	start := time.Now()
	issued := racers(t, addr, st, prog)
	took := time.Since(start)
	close(stop)
	<-watched
	assert.Empty(t, over, "the account exceeded its limit during the race")

	amount, limit := decimal.RequireFromString(c.Amount), decimal.RequireFromString(c.Budget)
	fit := int(limit.Div(amount).IntPart())
	want := amount.Mul(decimal.NewFromInt(int64(fit)))
	bs, err := st.Budgets(ctx, "race")
	require.NoError(t, err)
	require.Len(t, bs, 1)
	acct := bs[0]
	assert.True(t, acct.Posted.LessThanOrEqual(acct.Limit), "posted %s exceeds the limit %s", acct.Posted, acct.Limit)
	assert.True(t, acct.Posted.Equal(want), "posted %s, want %s", acct.Posted, want)
	assert.True(t, acct.Reserved.IsZero(), "reserved %s left", acct.Reserved)
	assert.True(t, acct.Limit.Equal(limit), "limit %s, want %s", acct.Limit, limit)
	require.NoError(t, st.Audit(ctx), "the ledger")
	assert.Equal(t, fit, issued, "rewards Handle reported issued")

	all, err := allStored(ctx, st)
	require.NoError(t, err)
	require.Len(t, all, n, "one outcome per event")
	sum, count, exhausted := decimal.Zero, 0, 0
	players := map[string]bool{}
	for _, o := range all {
		players[o.Key.Player] = true
		switch o.Status {
		case store.Issued:
			count++
			sum = sum.Add(o.Amount)
			assert.True(t, o.Amount.Equal(amount), "outcome %d: issued %s, not %s", o.Seq, o.Amount, amount)
		case store.Skipped:
			switch o.Reason {
			case store.ReasonBudgetExhausted:
				exhausted++
			case store.ReasonCampaignSuspended:
			default:
				t.Errorf("outcome %d: skipped for %s", o.Seq, o.Reason)
			}
		default:
			t.Errorf("outcome %d: status %s", o.Seq, o.Status)
		}
	}
	assert.Len(t, players, n, "one outcome per player")
	assert.Equal(t, fit, count, "issued outcomes")
	assert.True(t, sum.Equal(acct.Posted), "issued outcomes sum to %s, posted %s", sum, acct.Posted)
	assert.True(t, acct.Posted.Div(amount).Equal(decimal.NewFromInt(int64(count))), "posted / amount = issued outcomes")
	if fit < n {
		assert.Equal(t, 1, exhausted, "one reward ran the budget out; the campaign was suspended for the others")
		c, err := st.Campaign(ctx, "race")
		require.NoError(t, err)
		assert.Equal(t, store.Suspended, c.Status)
	}
	t.Logf("%s: %d events at %s EUR against %s EUR in %s (%.0f events/s): %d issued, posted %s, %s left; the account sampled %d times during the race, never over",
		b.name, n, c.Amount, c.Budget, took.Round(time.Millisecond), float64(n)/took.Seconds(), count, acct.Posted, acct.Left(), samples)
}

func allStored(ctx context.Context, st store.Store) ([]store.Outcome, error) {
	var all []store.Outcome
	after := int64(0)
	for {
		page, err := st.Outcomes(ctx, after, 5000)
		if err != nil || len(page) == 0 {
			return all, err
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
}

// goroutineRacers: 16 goroutines, each with an engine of its own, on the
// one store.
func goroutineRacers(n int) func(t *testing.T, addr string, st store.Store, prog *runtime.Program) int {
	return func(t *testing.T, addr string, st store.Store, prog *runtime.Program) int {
		return raceGoroutines(t, prog, n, func(int) store.Store { return st })
	}
}

// raceGoroutines races 16 goroutines over the n events, each a share of
// them, with an engine of its own on storeOf(goroutine), and gives the
// rewards they issued.
func raceGoroutines(t *testing.T, prog *runtime.Program, n int, storeOf func(g int) store.Store) int {
	const goroutines = 16
	var wg sync.WaitGroup
	issued := make([]int, goroutines)
	errs := make([]error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			issued[g], errs[g] = raceWorker(context.Background(), prog, storeOf(g), n*g/goroutines, n*(g+1)/goroutines)
		}()
	}
	wg.Wait()
	total := 0
	for g := range goroutines {
		require.NoError(t, errs[g], "goroutine %d", g)
		total += issued[g]
	}
	return total
}

// processRacers: 4 processes, each with an engine of its own, on the
// database at addr.
func processRacers(b backend, c raceCase, n int) func(t *testing.T, addr string, st store.Store, prog *runtime.Program) int {
	return func(t *testing.T, addr string, st store.Store, prog *runtime.Program) int {
		const procs = 4
		cmds := make([]*exec.Cmd, procs)
		outs := make([]*bytes.Buffer, procs)
		for p := range procs {
			cmds[p] = childCmd(t, "race", b, addr, raceArgs{Case: c, From: n * p / procs, To: n * (p + 1) / procs})
			outs[p] = new(bytes.Buffer)
			cmds[p].Stdout, cmds[p].Stderr = outs[p], outs[p]
			require.NoError(t, cmds[p].Start())
		}
		total := 0
		for p, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Fatalf("process %d: %v\n%s", p, err, outs[p])
			}
			line := strings.TrimSpace(outs[p].String())
			k, err := strconv.Atoi(strings.TrimPrefix(line, "issued "))
			require.NoError(t, err, "process %d printed %q", p, line)
			total += k
		}
		return total
	}
}

func testRace(t *testing.T, b backend, processes bool) {
	if b.name == "postgres" {
		pgtest.Server(t, "the engine's proofs")
	}
	n := raceN()
	for _, c := range raceCases(n) {
		t.Run(c.Name, func(t *testing.T) {
			racers := goroutineRacers(n)
			if processes {
				racers = processRacers(b, c, n)
			}
			raceBudget(t, b, c, n, racers)
		})
	}
}

func TestProofRaceGoroutinesSQLite(t *testing.T)   { testRace(t, sqliteBackend, false) }
func TestProofRaceGoroutinesPostgres(t *testing.T) { testRace(t, postgresBackend, false) }
func TestProofRaceProcessesSQLite(t *testing.T)    { testRace(t, sqliteBackend, true) }
func TestProofRaceProcessesPostgres(t *testing.T)  { testRace(t, postgresBackend, true) }

// Idempotency.

// redeliver delivers every event one to three times: each copy comes
// after the event, up to 200 events later, so that each player's first
// deliveries keep their order.
func redeliver(evs []engine.Event, seed uint64) []engine.Event {
	rng := rand.New(rand.NewPCG(seed, 2))
	type slot struct {
		pos float64
		ev  engine.Event
	}
	var slots []slot
	for i, ev := range evs {
		slots = append(slots, slot{float64(i), ev})
		for range rng.IntN(3) {
			slots = append(slots, slot{float64(i) + 0.5 + rng.Float64()*200, ev})
		}
	}
	sort.SliceStable(slots, func(i, j int) bool { return slots[i].pos < slots[j].pos })
	out := make([]engine.Event, len(slots))
	for i, s := range slots {
		out[i] = s.ev
	}
	return out
}

func idempotencyN() int { return size(500, 1000, 10_000) }

func testIdempotency(t *testing.T, b backend) {
	if b.name == "postgres" {
		pgtest.Server(t, "the engine's proofs")
	}
	ctx := context.Background()
	n := idempotencyN()
	prog, err := proofProgram(n)
	require.NoError(t, err)
	evs := eventLog(n)
	end := logEnd(evs)

	start := time.Now()
	clean := b.openAt(t, b.fresh(t))
	e, err := engine.New(ctx, prog, clean, engine.Options{})
	require.NoError(t, err)
	require.NoError(t, feed(ctx, e, evs, 100, nil))
	require.NoError(t, finishFeed(ctx, e, end))
	want := outcomeLog(t, clean)
	tookClean := time.Since(start)

	seed := uint64(time.Now().UnixNano())
	messy := redeliver(evs, seed)
	start = time.Now()
	st := b.openAt(t, b.fresh(t))
	// Three parts, each with a fresh engine and calls of another size.
	cuts := []int{0, len(messy) / 3, 2 * len(messy) / 3, len(messy)}
	chunks := []int{7, 100, 33}
	for k := range 3 {
		e, err := engine.New(ctx, prog, st, engine.Options{})
		require.NoError(t, err)
		require.NoError(t, feed(ctx, e, messy[cuts[k]:cuts[k+1]], chunks[k], nil), "part %d", k)
	}
	e, err = engine.New(ctx, prog, st, engine.Options{})
	require.NoError(t, err)
	require.NoError(t, finishFeed(ctx, e, end))
	got := outcomeLog(t, st)
	tookMessy := time.Since(start)

	require.NoError(t, clean.Audit(ctx))
	require.NoError(t, st.Audit(ctx))
	assertSameLog(t, want, got, "one delivery", "one to three deliveries (seed %d)", seed)
	t.Logf("%s: %d events delivered %d times (seed %d) through 3 engines: %d outcomes, as one delivery (%s); %s once, %s redelivered",
		b.name, n, len(messy), seed, len(got), summary(got), tookClean.Round(time.Millisecond), tookMessy.Round(time.Millisecond))
}

// assertSameLog compares two sorted outcome logs, showing the first
// differences.
func assertSameLog(t *testing.T, want, got []logged, wantName string, gotName string, args ...any) {
	t.Helper()
	gotDesc := fmt.Sprintf(gotName, args...)
	if assert.Equal(t, len(want), len(got), "outcomes: %s vs %s", wantName, gotDesc) && assert.NotEmpty(t, want) {
		shown := 0
		for i := range want {
			if want[i] != got[i] && shown < 5 {
				t.Errorf("outcome %d differs:\n%s: %s\n   %s\n%s: %s\n   %s", i, wantName, want[i], want[i].Body, gotDesc, got[i], got[i].Body)
				shown++
			}
		}
		return
	}
	// Not the same number: the keys in one only.
	in := map[string]int{}
	for _, l := range want {
		in[l.String()]++
	}
	for _, l := range got {
		in[l.String()]--
	}
	shown := 0
	for k, v := range in {
		if v != 0 && shown < 10 {
			t.Errorf("%+d in %s: %s", -v, gotDesc, k)
			shown++
		}
	}
}

func TestProofIdempotencySQLite(t *testing.T)   { testIdempotency(t, sqliteBackend) }
func TestProofIdempotencyPostgres(t *testing.T) { testIdempotency(t, postgresBackend) }

// The crash.

type crashArgs struct{ N int }

// crashRedo is the number of events fed again after a restart, before the
// first the store has not seen.
const crashRedo = 50

// crashRun feeds the event log of n events from where a run killed
// before stopped: the first event the store has not seen (the events go in
// in order, each call's batches in order, so what is seen is a prefix of
// the log), less crashRedo events delivered again; then it runs the clock
// to the log's end.
func crashRun(ctx context.Context, st store.Store, n int, progress func(next int)) error {
	prog, err := proofProgram(n)
	if err != nil {
		return err
	}
	e, err := engine.New(ctx, prog, st, engine.Options{})
	if err != nil {
		return err
	}
	evs := eventLog(n)
	var serr error
	first := sort.Search(len(evs), func(i int) bool {
		if serr != nil {
			return true
		}
		s, err := st.Seen(ctx, []store.Event{{Player: evs[i].Player, ID: evs[i].ID}})
		if err != nil {
			serr = err
			return true
		}
		return s[0] == store.NotSeen
	})
	if serr != nil {
		return serr
	}
	from := max(0, first-crashRedo)
	var at func(int)
	if progress != nil {
		at = func(next int) { progress(from + next) }
	}
	if err := feed(ctx, e, evs[from:], 200, at); err != nil {
		return err
	}
	return finishFeed(ctx, e, logEnd(evs))
}

// crashN is the size of the crash proof's log: at full size 100,000 events
// on SQLite, and 20,000 on PostgreSQL, where the engine's round trips per
// event make 100,000 take many minutes on a small machine.
func crashN(b backend) int {
	if b.name == postgresBackend.name {
		return size(2000, 3000, 20_000)
	}
	return size(2000, 3000, 100_000)
}

func testCrash(t *testing.T, b backend) {
	if b.name == "postgres" {
		pgtest.Server(t, "the engine's proofs")
	}
	ctx := context.Background()
	n := crashN(b)

	// The uninterrupted run.
	start := time.Now()
	clean := b.openAt(t, b.fresh(t))
	require.NoError(t, crashRun(ctx, clean, n, nil))
	want := outcomeLog(t, clean)
	tookClean := time.Since(start)

	// The run killed: the child prints the index of the next event after
	// each call of Handle; it is killed a random 0 to 30 ms after it gets
	// past each of killN random points of the log (the last may fall in
	// the final advance of the clock), then runs to the end.
	const killN = 6
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 3))
	points := make([]int, killN)
	for i := range points {
		points[i] = 1 + rng.IntN(n)
	}
	sort.Ints(points)
	addr := b.fresh(t)
	kills, runs := 0, 0
	var killedAt []string
	start = time.Now()
	for finished := false; !finished; runs++ {
		require.Less(t, runs, 100, "the child never finished")
		cmd := childCmd(t, "crash", b, addr, crashArgs{N: n})
		var errs bytes.Buffer
		cmd.Stderr = &errs
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		reached := make(chan int, 1) // the progress that passed the next point
		target := n + 1
		if kills < killN {
			target = points[kills]
		}
		go func() {
			sc := bufio.NewScanner(stdout)
			sent := false
			for sc.Scan() {
				k, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "progress "))
				if err == nil && k >= target && !sent {
					reached <- k
					sent = true
				}
			}
		}()
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			require.NoError(t, err, "the child failed:\n%s", errs.String())
			finished = true
			continue
		case k := <-reached:
			time.Sleep(time.Duration(rng.IntN(30_000)) * time.Microsecond)
			// SIGKILL; a child that exited since has nothing to kill.
			if err := cmd.Process.Kill(); !errors.Is(err, os.ErrProcessDone) {
				require.NoError(t, err)
			}
			if err := <-exited; err == nil {
				finished = true // it ended before the signal
				continue
			}
			kills++
			killedAt = append(killedAt, strconv.Itoa(k))
		case <-time.After(5 * time.Minute):
			require.NoError(t, cmd.Process.Kill())
			t.Fatalf("the child made no progress in 5 minutes:\n%s", errs.String())
		}
	}
	tookKilled := time.Since(start)
	st := b.openAt(t, addr)
	got := outcomeLog(t, st)
	require.NoError(t, st.Audit(ctx))
	assert.GreaterOrEqual(t, kills, 5, "kills")
	assertSameLog(t, want, got, "the uninterrupted run", "the run killed %d times (seed %d)", kills, seed)
	t.Logf("%s: %d events; uninterrupted %s; killed with SIGKILL %d times (seed %d; past events %s) and restarted, %d runs in %s: %d outcomes, none lost, none twice (%s)",
		b.name, n, tookClean.Round(time.Millisecond), kills, seed, strings.Join(killedAt, ", "), runs, tookKilled.Round(time.Millisecond), len(got), summary(got))
}

func TestProofCrashSQLite(t *testing.T)   { testCrash(t, sqliteBackend) }
func TestProofCrashPostgres(t *testing.T) { testCrash(t, postgresBackend) }

// The same event log on both stores.

func sameLogN() int { return size(1000, 2000, 20_000) }

func TestProofSameLogOnBothStores(t *testing.T) {
	pgtest.Server(t, "the engine's proofs")
	ctx := context.Background()
	n := sameLogN()
	prog, err := proofProgram(n)
	require.NoError(t, err)
	evs := eventLog(n)
	logs := map[string][]logged{}
	for _, b := range []backend{sqliteBackend, postgresBackend} {
		start := time.Now()
		st := b.openAt(t, b.fresh(t))
		e, err := engine.New(ctx, prog, st, engine.Options{})
		require.NoError(t, err)
		require.NoError(t, feed(ctx, e, evs, 200, nil))
		require.NoError(t, finishFeed(ctx, e, logEnd(evs)))
		logs[b.name] = outcomeLog(t, st)
		t.Logf("%s: %d events in %s: %d outcomes (%s)", b.name, n, time.Since(start).Round(time.Millisecond), len(logs[b.name]), summary(logs[b.name]))
	}
	assertSameLog(t, logs["sqlite"], logs["postgres"], "sqlite", "postgres")
}
