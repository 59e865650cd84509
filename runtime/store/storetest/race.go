package storetest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/promoc/promoc/runtime/store"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// EnvProofFull, set to 1, runs the stores' proofs (Race, RaceProcesses,
// Crash) at the full size their tests give; .ci/run sets it where it runs
// them under the race detector. Without it go test ./... runs them at the
// smaller size, so that it does not run again what CI proves at full size
// next, and stays quick on a small machine.
const EnvProofFull = "PROMOC_STORE_PROOF_FULL"

// ProofSize is full when EnvProofFull is 1, else small.
func ProofSize(full, small int) int {
	if os.Getenv(EnvProofFull) == "1" {
		return full
	}
	return small
}

// raceAmount is what every racer asks for; the budget holds raceFit of
// them plus raceRest, which no reward fits: a store that paid part of an
// amount, or one amount too many, ends with another total.
const (
	raceAmount = "7.13"
	raceRest   = "7.12"
)

// raceBudget opens the budget for n reservations: 60% of them fit.
func raceBudget(n int) (fit int, limit decimal.Decimal) {
	fit = n * 6 / 10
	return fit, dec(raceAmount).Mul(decimal.NewFromInt(int64(fit))).Add(dec(raceRest))
}

// reserveRange gives the rewards [from, to) of worker w, batch at a time.
func reserveRange(ctx context.Context, s store.Store, w string, from, to, batch int) (issued int, err error) {
	for i := from; i < to; i += batch {
		var changes []store.Change
		for j := i; j < min(i+batch, to); j++ {
			k := store.Key{Rule: "race", Action: "give", Player: fmt.Sprintf("%s-%d", w, j), TriggerHash: "t"}
			changes = append(changes, store.Change{Outcomes: []store.Outcome{give(k, store.Issued, "race", raceAmount, "EUR")}})
		}
		got, err := s.Apply(ctx, changes)
		if err != nil {
			return issued, err
		}
		for _, a := range got {
			if a.Err != nil {
				return issued, a.Err
			}
			if a.Outcomes[0].Status == store.Issued {
				issued++
			}
		}
	}
	return issued, nil
}

// checkRace checks the budget and the log after n racing reservations.
func checkRace(t *testing.T, s store.Store, n, issued int) {
	t.Helper()
	fit, limit := raceBudget(n)
	b := budget(t, s, "race", "EUR")
	want := dec(raceAmount).Mul(decimal.NewFromInt(int64(fit)))
	assert.True(t, b.Posted.LessThanOrEqual(b.Limit), "posted %s exceeds the limit %s", b.Posted, b.Limit)
	assertDec(t, want.String(), b.Posted, "posted")
	assertDec(t, limit.String(), b.Limit, "limit")
	assertDec(t, "0", b.Reserved, "reserved")
	assert.Equal(t, fit, issued, "issued rewards")
	all := allOutcomes(t, s)
	require.Len(t, all, n, "one outcome per reservation")
	sum, count := decimal.Zero, 0
	for _, o := range all {
		switch o.Status {
		case store.Issued:
			count++
			sum = sum.Add(o.Amount)
			assertDec(t, raceAmount, o.Amount, "an issued amount")
		case store.Skipped:
			assert.Contains(t, []string{store.ReasonBudgetExhausted, store.ReasonCampaignSuspended}, o.Reason)
		default:
			t.Errorf("outcome %d: status %s", o.Seq, o.Status)
		}
	}
	assert.Equal(t, fit, count, "issued outcomes in the log")
	assertDec(t, want.String(), sum, "the sum of the issued outcomes")
	t.Logf("%d reservations of %s EUR against a budget of %s: %d issued, posted %s, %s left unspent",
		n, raceAmount, b.Limit, count, b.Posted, b.Left())
}

// Race makes goroutines race n reservations at one budget, each committing
// batches of batch changes (1: one transaction each): the posted total is
// exactly what fits, never more, and never part of an amount.
func Race(t *testing.T, d Driver, goroutines, n, batch int) {
	ctx := context.Background()
	s := d.fresh(t)
	_, limit := raceBudget(n)
	require.NoError(t, s.SetBudget(ctx, "race", "EUR", limit, t0))
	issued := raceGoroutines(t, goroutines, n, batch, func(int) store.Store { return s })
	t.Logf("%s: %d goroutines, batches of %d", d.Name, goroutines, batch)
	checkRace(t, s, n, issued)
}

// raceGoroutines makes goroutines reserve n rewards in batches of batch,
// goroutine g on the store of g, each its share of the range; it reports
// the goroutines' errors and returns the rewards issued.
func raceGoroutines(t *testing.T, goroutines, n, batch int, of func(g int) store.Store) int {
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	issued := 0
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from, to := n*g/goroutines, n*(g+1)/goroutines
			k, err := reserveRange(ctx, of(g), "g", from, to, batch)
			mu.Lock()
			issued += k
			mu.Unlock()
			if err != nil {
				errs <- fmt.Errorf("goroutine %d: %w", g, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	return issued
}
