package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
)

// BenchmarkWebhookDelivery measures delivery alone: outcomes are put in
// the log, 1,000 a round, and timed until a receiver on the loopback
// address took them all, one request each, signed, the cursor and the
// delivery log written as the server writes them (SQLite).
func BenchmarkWebhookDelivery(b *testing.B) {
	var taken atomic.Int64
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		taken.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rc.Close()
	st := openStore(b)
	h := newHarnessOn(b, st, func(c *server.Config) {
		c.Webhooks = server.WebhookConfig{URLs: []string{rc.URL}, Secret: webhookSecret, Poll: time.Millisecond}
	})
	stop := serveB(b, h.srv)
	defer stop()
	const round = 1000
	var sent int64
	for b.Loop() {
		b.StopTimer()
		changes := make([]store.Change, round)
		for i := range changes {
			k := store.Key{Rule: "r", Action: "a", Player: fmt.Sprintf("p%d", sent), TriggerHash: "t"}
			changes[i].Outcomes = []store.Outcome{{Key: k, Status: store.Skipped, Reason: "bench", At: t0,
				Body: []byte(`{"rule":"r","action":"a","player":"` + k.Player + `","status":"skipped","reason":"bench"}`)}}
			sent++
		}
		if _, err := st.Apply(context.Background(), changes); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for taken.Load() < sent {
			time.Sleep(100 * time.Microsecond)
		}
	}
	b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "deliveries/s")
}

// serveB is serve for a benchmark.
func serveB(b *testing.B, srv *server.Server) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { done <- srv.Serve(ctx, ln) }()
	return func() {
		cancel()
		<-done
	}
}
