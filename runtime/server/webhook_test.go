package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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

var webhookSecret = []byte("the secret of the tests, 32 byte")

// receiver is a webhook endpoint: it verifies each delivery, fails the
// first tries of those in failFirst, and keeps the outcomes it took, by
// delivery id.
type receiver struct {
	t         *testing.T
	mu        sync.Mutex
	now       func() time.Time
	failFirst map[string]int // delivery -> tries to fail with 500
	tries     map[string]int
	order     []int64 // the outcomes taken, in the order they came, once each
	taken     map[string]bool
	srv       *httptest.Server
	secret    []byte // verifies the signatures; nil: webhookSecret
}

func newReceiver(t *testing.T, now func() time.Time) *receiver {
	r := &receiver{t: t, now: now, failFirst: map[string]int{}, tries: map[string]int{}, taken: map[string]bool{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return
	}
	secret := webhookSecret
	if r.secret != nil {
		secret = r.secret
	}
	if err := server.VerifyWebhook(secret, req.Header.Get(server.HeaderSignature), body, r.now(), time.Minute); err != nil {
		r.t.Errorf("a delivery does not verify: %v", err)
		http.Error(w, err.Error(), 401)
		return
	}
	var d struct {
		Delivery string `json:"delivery"`
		Outcome  struct {
			Seq int64 `json:"seq"`
		} `json:"outcome"`
	}
	if err := json.Unmarshal(body, &d); err != nil || d.Delivery != req.Header.Get(server.HeaderDelivery) {
		r.t.Errorf("a delivery %q with the body %s", req.Header.Get(server.HeaderDelivery), body)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tries[d.Delivery]++
	if r.tries[d.Delivery] <= r.failFirst[d.Delivery] {
		http.Error(w, "not now", 500)
		return
	}
	if !r.taken[d.Delivery] {
		r.taken[d.Delivery] = true
		r.order = append(r.order, d.Outcome.Seq)
	}
	w.WriteHeader(204)
}

func (r *receiver) got() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.order...)
}

// waitFor waits until the receiver took n outcomes.
func (r *receiver) waitFor(n int) []int64 {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(r.got()) < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	got := r.got()
	require.Len(r.t, got, n, "the outcomes delivered")
	return got
}

func webhookConfig(urls ...string) func(*server.Config) {
	return func(c *server.Config) {
		c.Webhooks = server.WebhookConfig{URLs: urls, Secret: webhookSecret, RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond,
			Poll: 10 * time.Millisecond}
	}
}

func seqs(outs []store.Outcome) []int64 {
	var s []int64
	for _, o := range outs {
		s = append(s, o.Seq)
	}
	return s
}

// TestWebhookDelivery: every outcome is delivered, signed, in the order of
// the log, a failing one tried again until it gets a 2xx (the next waits
// for it); each try is in the delivery log; the backlog is a metric.
func TestWebhookDelivery(t *testing.T) {
	var rc *receiver
	h := newHarness(t, func(c *server.Config) {
		rc = newReceiver(t, func() time.Time { return t0 })
		webhookConfig(rc.srv.URL)(c)
	})
	id := server.WebhookID(rc.srv.URL)
	rc.failFirst[id+"-1"] = 3
	_, stop := serve(t, h.srv)
	var events []any
	for i := range 5 {
		p := "p" + string(rune('a'+i))
		events = append(events, reg("reg-"+p, p, t0), ev("d-"+p, p, "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card"))
	}
	require.Equal(t, 200, h.events(events).status)
	outs := h.outcomes()
	require.NotEmpty(t, outs)
	assert.Equal(t, seqs(outs), rc.waitFor(len(outs)), "in the order of the log")
	require.NoError(t, stop())

	r := h.do(call{method: "GET", path: "/v1/webhooks/" + id + "/deliveries?limit=1000", role: server.Admin})
	require.Equal(t, 200, r.status, "%s", r.raw)
	attempts := r.json["attempts"].([]any)
	require.Len(t, attempts, len(outs)+3, "three failed tries, then one per outcome")
	for i, a := range attempts {
		m := a.(map[string]any)
		if i < 3 {
			assert.EqualValues(t, 500, m["status"])
			assert.Equal(t, "HTTP 500", m["error"])
			assert.EqualValues(t, i+1, m["attempt"])
		} else {
			assert.EqualValues(t, 204, m["status"])
			assert.Nil(t, m["error"])
			assert.EqualValues(t, outs[i-3].Seq, m["outcome"])
		}
		assert.Equal(t, id+"-"+jsonNumber(m["outcome"]), m["delivery"])
	}
	r = h.do(call{method: "GET", path: "/v1/webhooks", role: server.Admin})
	require.Equal(t, 200, r.status, "%s", r.raw)
	hooks := r.json["webhooks"].([]any)
	require.Len(t, hooks, 1)
	hk := hooks[0].(map[string]any)
	assert.Equal(t, id, hk["id"])
	assert.Equal(t, true, hk["active"])
	assert.EqualValues(t, outs[len(outs)-1].Seq, hk["delivered"], "the cursor is stored at shutdown")
	assert.EqualValues(t, 0, hk["backlog"])
	m := h.do(call{method: "GET", path: "/metrics", role: server.Viewer})
	assert.Contains(t, string(m.raw), `promoc_webhook_backlog{webhook="`+id+`"} 0`)
	assert.Contains(t, string(m.raw), `promoc_webhook_attempts_total{result="failed",webhook="`+id+`"} 3`)

	assert.Equal(t, 404, h.do(call{method: "GET", path: "/v1/webhooks/wh_nope/deliveries", role: server.Admin}).status)
	assert.Equal(t, 403, h.do(call{method: "GET", path: "/v1/webhooks", role: server.Operator}).status)
	assert.NotContains(t, h.logs.String(), string(webhookSecret))
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestWebhookResume: a server started again on the same store delivers
// from the stored cursor: what was delivered before is not sent again,
// what was logged while it was down is. A webhook added later starts at
// the end of the log.
func TestWebhookResume(t *testing.T) {
	st := openStore(t)
	rc := newReceiver(t, func() time.Time { return t0 })
	h := newHarnessOn(t, st, webhookConfig(rc.srv.URL))
	_, stop := serve(t, h.srv)
	require.Equal(t, 200, h.events([]any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")}).status)
	first := rc.waitFor(len(h.outcomes()))
	require.NoError(t, stop())

	// Logged while no server delivers.
	require.Equal(t, 200, h.events([]any{reg("reg-p2", "p2", t0), ev("d2", "p2", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")}).status)
	all := seqs(h.outcomes())
	require.Greater(t, len(all), len(first))

	late := newReceiver(t, func() time.Time { return t0 })
	h2 := newHarnessOn(t, st, webhookConfig(rc.srv.URL, late.srv.URL))
	_, stop2 := serve(t, h2.srv)
	assert.Equal(t, all, rc.waitFor(len(all)), "resumed at the cursor, nothing twice")
	r := h2.events([]any{reg("reg-p3", "p3", t0), ev("d3", "p3", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")})
	require.Equal(t, 200, r.status)
	after := seqs(h2.outcomes())[len(all):]
	require.NotEmpty(t, after, "p3's first deposit gives an outcome")
	assert.Equal(t, after, late.waitFor(len(after)), "a new webhook gets the outcomes from its start on")
	rc.waitFor(len(all) + len(after))
	require.NoError(t, stop2())
	for id, n := range rc.tries {
		assert.Equal(t, 1, n, "%s: delivered once", id)
	}
}

// TestWebhookConfig: webhooks need a secret and http(s) URLs; a URL's
// password is not shown.
func TestWebhookConfig(t *testing.T) {
	prog := compile(t)
	for _, tt := range []struct {
		name string
		cfg  server.WebhookConfig
		want string
	}{
		{"no secret", server.WebhookConfig{URLs: []string{"https://a.example/x"}}, "secret"},
		{"not http", server.WebhookConfig{URLs: []string{"ftp://a.example/x"}, Secret: webhookSecret}, "http"},
		{"no host", server.WebhookConfig{URLs: []string{"https:///x"}, Secret: webhookSecret}, "host"},
		{"a password", server.WebhookConfig{URLs: []string{"ftp://u:hunter2@a.example/x"}, Secret: webhookSecret}, "u:xxxxx@"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := server.New(context.Background(), server.Config{Program: prog, Store: openStore(t), Webhooks: tt.cfg})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
	h := newHarness(t, webhookConfig("https://u:hunter2@a.example/x"))
	r := h.do(call{method: "GET", path: "/v1/webhooks", role: server.Admin})
	require.Equal(t, 200, r.status)
	assert.False(t, strings.Contains(string(r.raw), "hunter2"), "%s", r.raw)
	assert.Contains(t, string(r.raw), "u:xxxxx@a.example")
}

// TestWebhookOneProcess: of two servers on one database, the one that
// holds the webhook's lease delivers, so every outcome is taken once, in
// order; when it stops it gives the lease up and the other goes on from
// its cursor.
func TestWebhookOneProcess(t *testing.T) {
	st := openStore(t)
	rc := newReceiver(t, func() time.Time { return t0 })
	holder := func(name string) func(*server.Config) {
		return func(c *server.Config) { c.Holder, c.LeaseTTL = name, 300*time.Millisecond }
	}
	ha := newHarnessOn(t, st, webhookConfig(rc.srv.URL), holder("a"))
	hb := newHarnessOn(t, st, webhookConfig(rc.srv.URL), holder("b"))
	_, stopA := serve(t, ha.srv)
	_, stopB := serve(t, hb.srv)
	for i := range 4 {
		p := "p" + string(rune('a'+i))
		h := []*harness{ha, hb}[i%2]
		require.Equal(t, 200, h.events([]any{reg("reg-"+p, p, t0), ev("d-"+p, p, "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")}).status)
	}
	first := seqs(ha.outcomes())
	assert.Equal(t, first, rc.waitFor(len(first)))

	id := server.WebhookID(rc.srv.URL)
	l, ok, err := st.(store.Leases).LeaseOf(context.Background(), "webhook/"+id)
	require.NoError(t, err)
	require.True(t, ok, "the webhook's lease was taken")
	stop, other := stopA, hb
	if l.Holder == "b" {
		stop, other = stopB, ha
	}
	require.NoError(t, stop())
	for i := 4; i < 6; i++ {
		p := "p" + string(rune('a'+i))
		require.Equal(t, 200, other.events([]any{reg("reg-"+p, p, t0), ev("d-"+p, p, "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")}).status)
	}
	all := seqs(ha.outcomes())
	require.Greater(t, len(all), len(first))
	assert.Equal(t, all, rc.waitFor(len(all)), "the other server went on from the cursor")
	// The lease passed once, at the stop (its token 2), unless it lapsed
	// meanwhile: a stall of the process past its 300 ms (a loaded
	// machine) lets the other server take it over, and an outcome may then
	// be delivered by both, as at least once allows.
	l, _, err = st.(store.Leases).LeaseOf(context.Background(), "webhook/"+id)
	require.NoError(t, err)
	if l.Token > 2 {
		t.Logf("the webhook's lease lapsed %d times (the process stalled past it): delivered once not checked", l.Token-2)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for d, n := range rc.tries {
		assert.Equal(t, 1, n, "%s: delivered by one server, once", d)
	}
}

// TestWebhookFailures: a redirect is not followed and fails, a receiver
// slower than the timeout fails with no status, and a closed port fails;
// each is in the delivery log, and the outcome waits for a 2xx.
func TestWebhookFailures(t *testing.T) {
	var calls sync.Map // path -> tries
	block := make(chan struct{})
	var mode atomic.Value
	mode.Store("redirect")
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // read whole: then a client gone cancels r's context
		n, _ := calls.LoadOrStore(mode.Load(), new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
		switch mode.Load() {
		case "redirect":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case "slow":
			select {
			case <-block:
			case <-r.Context().Done(): // promoc gave up
			}
		default:
			w.WriteHeader(http.StatusOK)
		}
	}))
	defer func() {
		close(block)
		rcv.Close()
	}()
	h := newHarness(t, webhookConfig(rcv.URL), func(c *server.Config) { c.Webhooks.Timeout = 50 * time.Millisecond })
	id := server.WebhookID(rcv.URL)
	_, stop := serve(t, h.srv)
	require.Equal(t, 200, h.events([]any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")}).status)
	wait := func(what string, n int64) {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if v, ok := calls.Load(what); ok && v.(*atomic.Int64).Load() >= n {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("%s: fewer than %d tries", what, n)
	}
	wait("redirect", 2)
	mode.Store("slow")
	wait("slow", 2)
	mode.Store("ok")
	wait("ok", 1)
	require.NoError(t, stop())

	w, ok, err := h.st.(store.Webhooks).Webhook(context.Background(), id)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, seqs(h.outcomes())[0], w.Delivered)
	tries, err := h.st.(store.Webhooks).WebhookAttempts(context.Background(), id, 0, 1000)
	require.NoError(t, err)
	var redirects, timeouts int
	for _, a := range tries[:len(tries)-1] {
		switch {
		case a.Status == http.StatusFound && a.Error == "HTTP 302":
			redirects++
		case a.Status == 0 && (strings.Contains(a.Error, "Client.Timeout") || strings.Contains(a.Error, "deadline exceeded")):
			timeouts++
		default:
			t.Errorf("a try %+v", a)
		}
		assert.Equal(t, seqs(h.outcomes())[0], a.Outcome, "the first outcome waits for a 2xx")
	}
	assert.GreaterOrEqual(t, redirects, 2)
	assert.GreaterOrEqual(t, timeouts, 2)
	last := tries[len(tries)-1]
	assert.Equal(t, 200, last.Status)
	assert.Empty(t, last.Error)
	assert.Equal(t, len(tries), last.Attempt, "the tries of one delivery are counted")
}
