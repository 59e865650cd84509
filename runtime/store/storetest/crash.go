package storetest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The crash writer's stream: event i of player i%crashPlayers gives
// crashAmount under its own key and counts the event in the player's
// state; the budget runs out crashOver events before the end.
const (
	crashPlayers = 7
	crashBatch   = 5 // < crashPlayers: one state per player in a batch
	crashAmount  = "1.25"
	crashOver    = 20
	crashRedo    = 10 // events delivered again after each restart
)

func crashPlayer(i int) string { return fmt.Sprintf("p%d", i%crashPlayers) }

func crashKey(i int) store.Key {
	return store.Key{Rule: "crash", Action: "give", Player: crashPlayer(i), TriggerHash: fmt.Sprintf("e%d", i)}
}

// crashWriter writes events [0, n), starting a little before where the
// states say a killed writer stopped, so that some are delivered twice.
// After each batch that writes events no earlier run wrote, it calls
// progress, if not nil.
func crashWriter(ctx context.Context, s store.Store, n int, progress func()) error {
	done := 0
	for p := range crashPlayers {
		st, err := s.State(ctx, crashPlayer(p), "crash")
		if err != nil {
			return err
		}
		c, _ := strconv.Atoi(string(st.Data))
		done += c
	}
	for i := max(0, done-crashRedo); i < n; i += crashBatch {
		var changes []store.Change
		for j := i; j < min(i+crashBatch, n); j++ {
			st, err := s.State(ctx, crashPlayer(j), "crash")
			if err != nil {
				return err
			}
			c, _ := strconv.Atoi(string(st.Data))
			st.Data = []byte(strconv.Itoa(c + 1))
			changes = append(changes, store.Change{
				Event:    &store.Event{Player: crashPlayer(j), ID: fmt.Sprintf("e%d", j), Hash: []byte(crashAmount)},
				States:   []store.State{st},
				Outcomes: []store.Outcome{give(crashKey(j), store.Issued, "crash", crashAmount, "EUR")},
			})
		}
		got, err := s.Apply(ctx, changes)
		if err != nil {
			return err
		}
		for k, a := range got {
			if a.Err != nil {
				return fmt.Errorf("event %d: %w", i+k, a.Err)
			}
		}
		if progress != nil && i+len(changes) > done {
			progress()
		}
	}
	return nil
}

// Crash runs a writer of n idempotent events in a child process, kills it
// with SIGKILL at random points and starts it again on the same database
// until it finishes; then every event, state, outcome and the budget are
// exactly as after one uninterrupted run.
//
// Each kill comes at a random delay after the child's first batch of new
// events: however slow the machine (a child under the race detector on a
// loaded machine takes longer to start than a fixed delay), every run makes
// progress, and the kills still land anywhere in the writing, inside
// transactions included.
func Crash(t *testing.T, d Driver, n int) {
	ctx := context.Background()
	addr := d.New(t)
	s := d.open(t, addr)
	limit := dec(crashAmount).Mul(decimal.NewFromInt(int64(n - crashOver)))
	require.NoError(t, s.SetBudget(ctx, "crash", "EUR", limit, t0))

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	kills, finished := 0, false
	for start := 0; start <= n && !finished; start++ { // each run writes one new event at least
		cmd := childCmd("crash", addr, fmt.Sprintf("%s=%d", envTo, n))
		var errs bytes.Buffer
		cmd.Stderr = &errs
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		progressed := make(chan struct{})
		go func() { // the child prints a line after each batch of new events
			sc := bufio.NewScanner(stdout)
			first := true
			for sc.Scan() {
				if first {
					close(progressed)
					first = false
				}
			}
		}()
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			require.NoError(t, err, "the writer failed:\n%s", errs.String())
			finished = true
			continue
		case <-progressed:
		case <-time.After(5 * time.Minute):
			require.NoError(t, cmd.Process.Kill())
			t.Fatalf("the writer made no progress in 5 minutes:\n%s", errs.String())
		}
		// From 0 to 100 ms after its first new batch.
		select {
		case err := <-exited:
			require.NoError(t, err, "the writer failed:\n%s", errs.String())
			finished = true
		case <-time.After(time.Duration(rng.IntN(100_000)) * time.Microsecond):
			err := cmd.Process.Kill() // SIGKILL
			if errors.Is(err, os.ErrProcessDone) {
				// It exited between the timer and the kill: a finish.
				require.NoError(t, <-exited, "the writer failed:\n%s", errs.String())
				finished = true
				continue
			}
			require.NoError(t, err)
			<-exited
			kills++
		}
	}
	require.True(t, finished, "the writer never finished")
	t.Logf("%s: %d events written by a child killed %d times with SIGKILL (seed %d), %d events redelivered after each restart",
		d.Name, n, kills, seed, crashRedo)

	all := allOutcomes(t, s)
	require.Len(t, all, n, "one outcome per event: none lost, none twice")
	for i, o := range all {
		assert.Equal(t, crashKey(i), o.Key, "outcome %d", i)
		switch {
		case i < n-crashOver:
			assert.Equal(t, store.Issued, o.Status, "outcome %d", i)
		case i == n-crashOver:
			assert.Equal(t, store.ReasonBudgetExhausted, o.Reason, "outcome %d", i)
		default:
			assert.Equal(t, store.ReasonCampaignSuspended, o.Reason, "outcome %d", i)
		}
	}
	b := budget(t, s, "crash", "EUR")
	assertDec(t, limit.String(), b.Posted, "posted")
	assertDec(t, "0", b.Reserved, "reserved")
	for p := range crashPlayers {
		st, err := s.State(ctx, crashPlayer(p), "crash")
		require.NoError(t, err)
		want := (n - p + crashPlayers - 1) / crashPlayers
		assert.Equal(t, strconv.Itoa(want), string(st.Data), "events counted for player %d", p)
		assert.Equal(t, int64(want), st.Version, "state version of player %d", p)
	}
	box, err := s.Outbox(ctx, n+1)
	require.NoError(t, err)
	assert.Len(t, box, n, "one outbox row per outcome")
	// Delivered once more, every event is a duplicate.
	require.NoError(t, crashWriter(ctx, s, n, nil))
	assert.Len(t, allOutcomes(t, s), n)
}
