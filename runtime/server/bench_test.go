package server_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/server"
)

// BenchmarkEvents posts requests of 1 and of 100 deposits (each of a new
// player, first registered) through the handler, on SQLite, and reports
// events a second: the cost of the API (decoding, the Idempotency-Key kept
// in the store, the response) over the engine's.
func BenchmarkEvents(b *testing.B) {
	for _, size := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			h := newHarness(b)
			regs := make([]any, 0, 1000)
			for p := range 1000 {
				regs = append(regs, reg(fmt.Sprintf("reg-%d", p), fmt.Sprintf("p%d", p), t0))
			}
			if r := h.events(regs); r.status != 200 {
				b.Fatalf("registering: %s", r.raw)
			}
			n := 0
			b.ResetTimer()
			for b.Loop() {
				evs := make([]any, size)
				for i := range evs {
					evs[i] = ev(fmt.Sprintf("d%d", n), fmt.Sprintf("p%d", n%1000), "deposit", t0.Add(time.Duration(n+1)*time.Second),
						"amount", "25.00", "method", "card")
					n++
				}
				body, _ := json.Marshal(evs)
				req := httptest.NewRequest("POST", "/v1/events", strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+h.keys[server.Operator])
				req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", n))
				rec := httptest.NewRecorder()
				h.h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%d: %s", rec.Code, rec.Body)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
