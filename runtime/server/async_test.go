package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres"
	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// async posts events with Prefer: respond-async.
func (h *harness) async(body any) response {
	h.t.Helper()
	return h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body,
		headers: []string{"Idempotency-Key", fmt.Sprintf("async-%d", idem.Add(1)), "Prefer", "respond-async"}})
}

// status polls an inbox entry until it is no longer pending.
func (h *harness) status(location string) response {
	h.t.Helper()
	var r response
	require.Eventually(h.t, func() bool {
		r = h.do(call{method: "GET", path: location, role: server.Viewer})
		return r.status == 200 && r.json["status"] != "pending"
	}, 10*time.Second, 5*time.Millisecond, "%s stays pending", location)
	return r
}

// TestAsyncRestart accepts events with 202, stops the server before it
// handles them (it never ran its worker) and closes its database; a new
// server on the same file handles them, in order: the acknowledged events
// are not lost.
func TestAsyncRestart(t *testing.T) {
	path := t.TempDir() + "/promoc.db"
	st := openStoreAt(t, path)
	a := newHarnessOn(t, st)
	var locs []string
	for i, body := range []any{
		[]any{reg("r1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "100.00", "method", "card")},
		ev("b1", "p1", "bet", t0.Add(2*time.Minute), "amount", "10.00", "game", "slots"),
		ev("b2", "p1", "bet", t0.Add(3*time.Minute), "amount", "10.00", "game", "slots"),
		ev("b3", "p1", "bet", t0.Add(4*time.Minute), "amount", "10.00", "game", "slots"),
		ev("x1", "p1", "nope", t0.Add(5*time.Minute)),
	} {
		r := a.async(body)
		require.Equal(t, 202, r.status, "%d: %s", i, r.raw)
		assert.Equal(t, "respond-async", r.header.Get("Preference-Applied"))
		assert.Equal(t, r.json["location"], r.header.Get("Location"))
		assert.Equal(t, "pending", r.json["status"])
		locs = append(locs, r.header.Get("Location"))
	}
	r := a.do(call{method: "GET", path: locs[0], role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "pending", r.json["status"])
	assert.Empty(t, a.outcomes(), "accepted, not handled")
	require.NoError(t, st.Close()) // the process is gone

	b := newHarnessOn(t, openStoreAt(t, path), func(c *server.Config) { c.Poll = 10 * time.Millisecond })
	_, stop := serve(t, b.srv)
	defer stop()
	r = b.status(locs[0])
	assert.Equal(t, "done", r.json["status"], "%s", r.raw)
	assert.EqualValues(t, 2, r.json["result"].(map[string]any)["events"])
	r = b.status(locs[3])
	assert.Equal(t, "done", r.json["status"], "%s", r.raw)
	outs := r.json["result"].(map[string]any)["outcomes"].([]any)
	require.Len(t, outs, 1, "the third bet, handled after the first two")
	assert.Equal(t, "every_three_bets", outs[0].(map[string]any)["rule"])
	assert.Equal(t, "3.00", outs[0].(map[string]any)["amount"])
	r = b.status(locs[4])
	assert.Equal(t, "failed", r.json["status"])
	assert.Equal(t, server.CodeInvalidEvent, r.json["error"].(map[string]any)["code"])
	assert.NotNil(t, r.json["finished"])
	require.NoError(t, b.st.Audit(context.Background()))
	assert.Len(t, b.outcomes(), 2, "the welcome bonus and the cashback, once each")

	// An unknown reference, a body that is not JSON: refused at once.
	r = b.do(call{method: "GET", path: "/v1/events/status/nope", role: server.Viewer})
	assert.Equal(t, 404, r.status)
	r = b.async(`[{"id": 1`)
	assert.Equal(t, 400, r.status)
}

// TestAsyncFlag: with Config.Async every request is answered 202, and a
// repeat with the same Idempotency-Key gets the same 202.
func TestAsyncFlag(t *testing.T) {
	h := newHarness(t, func(c *server.Config) { c.Async, c.Poll = true, 10*time.Millisecond })
	_, stop := serve(t, h.srv)
	defer stop()
	body := []any{reg("r1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")}
	first := h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body, headers: []string{"Idempotency-Key", "flag-1"}})
	require.Equal(t, 202, first.status, "%s", first.raw)
	again := h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body, headers: []string{"Idempotency-Key", "flag-1"}})
	assert.Equal(t, 202, again.status)
	assert.Equal(t, string(first.raw), string(again.raw))
	r := h.status(first.json["location"].(string))
	assert.Equal(t, "done", r.json["status"], "%s", r.raw)
	assert.Len(t, h.outcomes(), 1)
	m := h.do(call{method: "GET", path: "/metrics", role: server.Viewer})
	assert.Contains(t, string(m.raw), `promoc_inbox_entries_total{result="accepted"} 1`)
	assert.Contains(t, string(m.raw), `promoc_inbox_entries_total{result="done"} 1`)
}

// TestAsyncTwoProcesses: two servers on one database share the inbox; the
// one with the lease handles it, each entry once and in order.
func TestAsyncTwoProcesses(t *testing.T) {
	path := t.TempDir() + "/promoc.db"
	testAsyncTwoProcesses(t, openStoreAt(t, path), openStoreAt(t, path))
}

func testAsyncTwoProcesses(t *testing.T, sa, sb store.Store) {
	a := newHarnessOn(t, sa, func(c *server.Config) { c.Poll = 5 * time.Millisecond })
	b := newHarnessOn(t, sb, func(c *server.Config) { c.Poll = 5 * time.Millisecond })
	_, stopA := serve(t, a.srv)
	defer stopA()
	_, stopB := serve(t, b.srv)
	defer stopB()
	const players, bets = 4, 6
	var last []string
	for p := range players {
		id := fmt.Sprintf("p%d", p)
		h := []*harness{a, b}[p%2]
		require.Equal(t, 202, h.async([]any{reg("r-"+id, id, t0), ev("d-"+id, id, "deposit", t0.Add(time.Second), "amount", "100.00", "method", "card")}).status)
	}
	for i := range bets {
		for p := range players {
			id := fmt.Sprintf("p%d", p)
			h := []*harness{a, b}[(p+i)%2]
			r := h.async(ev(fmt.Sprintf("b%d-%s", i, id), id, "bet", t0.Add(time.Duration(i+1)*time.Minute), "amount", "10.00", "game", "slots"))
			require.Equal(t, 202, r.status, "%s", r.raw)
			if i == bets-1 {
				last = append(last, r.json["location"].(string))
			}
		}
	}
	for _, loc := range last {
		assert.Equal(t, "done", a.status(loc).json["status"])
	}
	count := map[string]int{}
	for _, o := range a.outcomes() {
		if o.Key.Rule == "every_three_bets" {
			assert.Equal(t, store.Issued, o.Status)
			count[o.Key.Player]++
		}
	}
	for p := range players {
		assert.Equal(t, 2, count[fmt.Sprintf("p%d", p)], "p%d: six bets in order, two batches of three", p)
	}
	require.NoError(t, a.st.Audit(context.Background()))
}

// TestAsyncTwoProcessesPostgres is TestAsyncTwoProcesses on one
// PostgreSQL database.
func TestAsyncTwoProcessesPostgres(t *testing.T) {
	dsn := pgtest.Fresh(t, "the server's tests")
	open := func() store.Store {
		st, err := postgres.Open(context.Background(), dsn)
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		return st
	}
	testAsyncTwoProcesses(t, open(), open())
}

// BenchmarkAsyncEvents posts requests of 1 and of 100 deposits with
// Prefer: respond-async through the handler, on SQLite, while the
// server's worker handles the inbox, and reports the events a second
// accepted (202s) and, at the end, handled: accepting is one insert
// transaction, handling the engine's transaction of the entry and the
// entry's end.
func BenchmarkAsyncEvents(b *testing.B) {
	for _, size := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			h := newHarness(b, func(c *server.Config) { c.Poll = 5 * time.Millisecond })
			regs := make([]any, 0, 1000)
			for p := range 1000 {
				regs = append(regs, reg(fmt.Sprintf("reg-%d", p), fmt.Sprintf("p%d", p), t0))
			}
			if r := h.events(regs); r.status != 200 {
				b.Fatalf("registering: %s", r.raw)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(b, err)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- h.srv.Serve(ctx, ln) }()
			defer func() { cancel(); <-done }()
			n := 0
			var last string
			b.ResetTimer()
			start := time.Now()
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
				req.Header.Set("Prefer", "respond-async")
				rec := httptest.NewRecorder()
				h.h.ServeHTTP(rec, req)
				if rec.Code != 202 {
					b.Fatalf("%d: %s", rec.Code, rec.Body)
				}
				last = rec.Header().Get("Location")
			}
			accepted := time.Since(start)
			for {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest("GET", last, nil)
				req.Header.Set("Authorization", "Bearer "+h.keys[server.Viewer])
				h.h.ServeHTTP(rec, req)
				if !strings.Contains(rec.Body.String(), `"pending"`) {
					break
				}
				time.Sleep(time.Millisecond)
			}
			b.ReportMetric(float64(n)/accepted.Seconds(), "accepted-events/s")
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "handled-events/s")
		})
	}
}

// TestAsyncRetryAfterCrash: an inbox entry whose events were stored by a
// process killed before it recorded the entry's end is handled again by
// the next; its result lists the outcomes the first handling stored, as
// POST /v1/events answers its retry (TestRetryAfterCrash), and nothing is
// logged twice.
func TestAsyncRetryAfterCrash(t *testing.T) {
	day := 24 * time.Hour
	before := []any{reg("reg-p1", "p1", t0), ev("l1", "p1", "login", t0), reg("reg-p2", "p2", t0)}
	body := []any{
		ev("l2", "p1", "login", t0.Add(8*day)), // ends 7 days without login: win_back fires, overdue
		ev("d1", "p1", "deposit", t0.Add(8*day+time.Minute), "amount", "50.00", "method", "card"),
		ev("d2", "p2", "deposit", t0.Add(8*day), "amount", "2000.00", "method", "card"),
	}
	for _, drv := range []struct {
		name string
		open func(t *testing.T) store.Store
	}{
		{"SQLite", func(t *testing.T) store.Store { return openStore(t) }},
		{"PostgreSQL", openPostgres},
		// The log's first read fails: the entry is left pending, and
		// handled again at the next round.
		{"SQLite, the log unreadable once", func(t *testing.T) store.Store {
			st := &unreadableLog{Store: openStore(t).(*sqlite.Store)}
			st.fails.Store(1)
			t.Cleanup(func() { assert.Equal(t, int32(-1), st.fails.Load(), "the log was read twice, the first failing") })
			return st
		}},
	} {
		t.Run(drv.name, func(t *testing.T) {
			h := newHarnessOn(t, drv.open(t), func(c *server.Config) { c.Poll = 10 * time.Millisecond })
			require.Equal(t, 200, h.events(before).status)
			accepted := h.async(body)
			require.Equal(t, 202, accepted.status, "%s", accepted.raw)
			// The first handling: the engine stores the entry's events and
			// outcomes (here through a request of the same events), then
			// the process dies before the entry's end is recorded.
			first := h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body, headers: []string{"Idempotency-Key", "first"}})
			require.Equal(t, 200, first.status, "%s", first.raw)
			require.Len(t, first.json["outcomes"], 4, "%s", first.raw)
			logged := len(h.outcomes())

			_, stop := serve(t, h.srv) // its worker handles the entry again
			defer stop()
			r := h.status(accepted.json["location"].(string))
			require.Equal(t, "done", r.json["status"], "%s", r.raw)
			assert.Equal(t, first.json["outcomes"], r.json["result"].(map[string]any)["outcomes"], "the result lists what the first handling stored")
			assert.Len(t, h.outcomes(), logged, "nothing logged twice")
		})
	}
}

// unreadableLog fails the first fails reads of the outcomes of events.
type unreadableLog struct {
	*sqlite.Store
	fails atomic.Int32
}

func (s *unreadableLog) OutcomesOfEvents(ctx context.Context, refs []store.EventRef) ([]store.Outcome, error) {
	if s.fails.Add(-1) >= 0 {
		return nil, errors.New("the database is down")
	}
	return s.Store.OutcomesOfEvents(ctx, refs)
}
