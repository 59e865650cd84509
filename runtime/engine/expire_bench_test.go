package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
)

// BenchmarkExpire times one Advance that rejects 2,000 results whose
// approval timeout has come (pages of 500, each one store transaction),
// on SQLite; the results are calculated outside the timer. Its metric is
// results timed out a second.
func BenchmarkExpire(b *testing.B) {
	ctx := context.Background()
	const n = 2000
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		st := openStore(b)
		e := engineFor(b, "expiry", st, engine.Options{})
		var evs []engine.Event
		for i := range n {
			p := fmt.Sprintf("p%05d", i)
			evs = append(evs, eur(p, t0), deposit("d-"+p, p, t0.Add(time.Duration(i)*time.Second), "100", "wire"))
		}
		handle(b, e, evs...)
		b.StartTimer()
		start := time.Now()
		got, err := e.Advance(ctx, t0.Add(30*day))
		total += time.Since(start)
		require.NoError(b, err)
		require.Len(b, got, n)
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "expired/s")
}
