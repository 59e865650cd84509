package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
)

// serve runs the harness's server on a random port of the loopback
// address until the test ends or stop is called.
func serve(t *testing.T, srv *server.Server) (url string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	var once sync.Once
	var serr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case serr = <-done:
			case <-time.After(10 * time.Second):
				serr = context.DeadlineExceeded
			}
		})
		return serr
	}
	t.Cleanup(func() { stop() })
	return "http://" + ln.Addr().String(), stop
}

// TestScheduler: the scheduler inside the server fires an inactivity with
// the server's clock.
func TestScheduler(t *testing.T) {
	h := newHarness(t, func(c *server.Config) { c.Tick = 5 * time.Millisecond })
	require.Equal(t, 200, h.events([]any{reg("reg-p1", "p1", t0), ev("l1", "p1", "login", t0)}).status)
	_, stop := serve(t, h.srv)
	time.Sleep(20 * time.Millisecond)
	for _, o := range h.outcomes() {
		assert.NotEqual(t, "win_back", o.Key.Rule, "not inactive yet")
	}
	h.clock.Set(t0.Add(8 * 24 * time.Hour))
	deadline := time.Now().Add(5 * time.Second)
	var fired bool
	for !fired && time.Now().Before(deadline) {
		for _, o := range h.outcomes() {
			fired = fired || o.Key.Rule == "win_back" && o.Key.Player == "p1"
		}
		time.Sleep(5 * time.Millisecond)
	}
	assert.True(t, fired, "win_back fired for p1 after 7 days without login")
	require.NoError(t, stop())
	// Stopped, the scheduler has counted its last round.
	m := h.do(call{method: "GET", path: "/metrics", role: server.Viewer})
	assert.Contains(t, string(m.raw), `promoc_scheduler_rounds_total{result="ok"}`)
	assert.Contains(t, string(m.raw), `promoc_outcomes_total{reason="",rule="win_back",status="issued"} 1`)
	n := len(h.outcomes())
	time.Sleep(20 * time.Millisecond)
	assert.Len(t, h.outcomes(), n, "the scheduler stopped with the server")
}

// slowStore holds the first Apply of events, once armed, until released.
type slowStore struct {
	auditedStore
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (s *slowStore) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	if len(changes) > 0 && changes[0].Event != nil && s.armed.CompareAndSwap(true, false) {
		close(s.entered)
		<-s.release
	}
	return s.auditedStore.Apply(ctx, changes)
}

// TestGracefulShutdown: a request in flight when the server is told to
// stop finishes, and is stored; then Serve returns and the port is closed.
func TestGracefulShutdown(t *testing.T) {
	slow := &slowStore{auditedStore: openStore(t), entered: make(chan struct{}), release: make(chan struct{})}
	srv, err := server.New(context.Background(), server.Config{Program: compile(t), Store: slow, Tick: time.Hour})
	require.NoError(t, err)
	secret, k, err := server.NewKey(server.Operator, "", t0)
	require.NoError(t, err)
	require.NoError(t, slow.AddKey(context.Background(), k))
	url, stop := serve(t, srv)

	post := func() (*http.Response, error) {
		req, _ := http.NewRequest("POST", url+"/v1/events", strings.NewReader(
			`[{"id":"reg","player":"p1","kind":"player","time":"2026-11-02T10:00:00Z","currency":"EUR"},
			  {"id":"d1","player":"p1","kind":"deposit","time":"2026-11-02T10:01:00Z","amount":"50.00","method":"card"}]`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Idempotency-Key", "shutdown-1")
		return http.DefaultClient.Do(req)
	}
	slow.armed.Store(true)
	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := post()
		if err != nil {
			got <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-slow.entered
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	select {
	case <-stopped:
		t.Fatal("Serve returned with a request in flight")
	case <-time.After(100 * time.Millisecond):
	}
	close(slow.release)
	r := <-got
	require.NoError(t, r.err)
	assert.Equal(t, 200, r.status, r.body)
	assert.Contains(t, r.body, `"status":"issued"`)
	require.NoError(t, <-stopped)
	outs, err := slow.Outcomes(context.Background(), 0, 10)
	require.NoError(t, err)
	assert.Len(t, outs, 1, "the acknowledged event's outcome is stored")
	_, err = http.Get(url + "/healthz")
	assert.Error(t, err, "the port is closed")
}
