package server_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

func TestIdempotencyKey(t *testing.T) {
	h := newHarness(t)
	first := []any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")}
	post := func(key string, body any, role server.Role) response {
		return h.do(call{method: "POST", path: "/v1/events", role: role, body: body, headers: []string{"Idempotency-Key", key}})
	}
	r1 := post(`"a1b2"`, first, server.Operator)
	require.Equal(t, 200, r1.status, "%s", r1.raw)
	require.Len(t, r1.json["outcomes"], 1)

	t.Run("a repeat gets the first response", func(t *testing.T) {
		r := post(`"a1b2"`, first, server.Operator)
		assert.Equal(t, 200, r.status)
		assert.Equal(t, string(r1.raw), string(r.raw))
		assert.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
		assert.Len(t, h.outcomes(), 1)
	})
	t.Run("the key with or without quotes is one key", func(t *testing.T) {
		r := post(`a1b2`, first, server.Operator)
		assert.Equal(t, 200, r.status)
		assert.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
	})
	t.Run("another body with the key is 422", func(t *testing.T) {
		r := post(`"a1b2"`, ev("d2", "p1", "deposit", t0.Add(2*time.Minute), "amount", "60.00", "method", "card"), server.Operator)
		assert.Equal(t, 422, r.status)
		assert.Equal(t, server.CodeIdempotencyKeyReused, r.code())
		assert.Len(t, h.outcomes(), 1, "not handled")
	})
	t.Run("another API key has keys of its own", func(t *testing.T) {
		r := post(`"a1b2"`, ev("d3", "p2", "deposit", t0.Add(2*time.Minute), "amount", "60.00", "method", "card"), server.Admin)
		assert.Equal(t, 200, r.status, "%s", r.raw)
		assert.Empty(t, r.header.Get("Idempotent-Replayed"))
	})
	t.Run("while the first runs: 409", func(t *testing.T) {
		body := `{"id":"d4","player":"p1","kind":"deposit","time":"2026-11-02T10:05:00Z","amount":"5","method":"card"}`
		fp := sha256.New()
		fp.Write([]byte("POST /v1/events?\n" + body))
		scope := keyID(t, h, server.Operator) + " POST /v1/events"
		_, started, err := h.st.StartRequest(context.Background(), store.Request{Scope: scope, Key: "running", Fingerprint: fp.Sum(nil), Started: t0}, t0.Add(-time.Hour))
		require.NoError(t, err)
		require.True(t, started)
		r := post("running", body, server.Operator)
		assert.Equal(t, 409, r.status, "%s", r.raw)
		assert.Equal(t, server.CodeIdempotencyKeyInUse, r.code())
		assert.Equal(t, "1", r.header.Get("Retry-After"))

		// The process of the first died: after StaleRequest, the key is
		// taken over.
		h.clock.Set(t0.Add(10 * time.Minute))
		r = post("running", body, server.Operator)
		assert.Equal(t, 200, r.status, "%s", r.raw)
		h.clock.Set(t0)
	})
	t.Run("kept for KeepRequests", func(t *testing.T) {
		n, err := h.st.PruneRequests(context.Background(), t0.Add(time.Hour))
		require.NoError(t, err)
		assert.Positive(t, n)
		logged := len(h.outcomes())
		r := post(`"a1b2"`, first, server.Operator)
		assert.Equal(t, 200, r.status)
		assert.Empty(t, r.header.Get("Idempotent-Replayed"), "pruned: handled again")
		assert.Equal(t, string(r1.raw), string(r.raw), "the engine knows the events: their outcomes are read from the log")
		assert.Len(t, h.outcomes(), logged, "nothing new")
	})
}

// TestIdempotencyOptional: the endpoints that change state take a key
// when sent, and do without.
func TestIdempotencyOptional(t *testing.T) {
	h := newHarness(t)
	suspend := func(key, reason string) response {
		var hdr []string
		if key != "" {
			hdr = []string{"Idempotency-Key", key}
		}
		return h.do(call{method: "POST", path: "/v1/campaigns/first_deposit_bonus/suspend", role: server.Operator,
			body: map[string]any{"reason": reason}, headers: hdr})
	}
	r := suspend("", "audit")
	require.Equal(t, 200, r.status, "%s", r.raw)
	r = suspend("s1", "audit")
	require.Equal(t, 200, r.status, "%s", r.raw)
	h.clock.Set(t0.Add(time.Hour))
	again := suspend("s1", "audit")
	assert.Equal(t, string(r.raw), string(again.raw), "the first response, since included")
	assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	assert.Equal(t, 422, suspend("s1", "other").status)
}

// keyID finds the id of a role's key in the harness.
func keyID(t *testing.T, h *harness, role server.Role) string {
	ks, err := h.st.Keys(context.Background())
	require.NoError(t, err)
	for _, k := range ks {
		if string(k.Hash) == string(server.HashKey(h.keys[role])) {
			return k.ID
		}
	}
	t.Fatalf("no key of %s", role)
	return ""
}

// panicStore panics in Apply while armed.
type panicStore struct {
	auditedStore
	armed bool
}

func (p *panicStore) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	if p.armed {
		panic("the disk caught fire")
	}
	return p.auditedStore.Apply(ctx, changes)
}

// TestIdempotencyPanic: a request whose handler panics answers 500 and
// frees its Idempotency-Key: the retry runs (not 409 until stale).
func TestIdempotencyPanic(t *testing.T) {
	ps := &panicStore{auditedStore: openStore(t)}
	h := newHarnessOn(t, ps)
	body := []any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")}
	ps.armed = true
	r := h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body, headers: []string{"Idempotency-Key", "p-1"}})
	assert.Equal(t, 500, r.status, "%s", r.raw)
	assert.Equal(t, server.CodeInternal, r.code())
	assert.NotContains(t, string(r.raw), "fire", "the cause is logged, not sent")
	assert.Contains(t, h.logs.String(), "the disk caught fire")
	ps.armed = false
	r = h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body, headers: []string{"Idempotency-Key", "p-1"}})
	assert.Equal(t, 200, r.status, "%s", r.raw)
	assert.Len(t, r.json["outcomes"], 1)
}

// heldEnds holds, once armed, the first write of keys that records a
// request's end, until released.
type heldEnds struct {
	*sqlite.Store
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (s *heldEnds) WriteRequests(ctx context.Context, fs []store.FinishedRequest, rs []store.Request, staleBefore time.Time) ([]store.StartedRequest, error) {
	if len(fs) > 0 && s.armed.CompareAndSwap(true, false) {
		close(s.entered)
		<-s.release
	}
	return s.Store.WriteRequests(ctx, fs, rs, staleBefore)
}

// TestIdempotencyAnswerFirst: a request with an Idempotency-Key whose
// end is recorded after its work (a campaign's suspension, not events) is
// answered while its key's end is recorded, not after; a retry sent then
// waits for the end and gets the response kept.
func TestIdempotencyAnswerFirst(t *testing.T) {
	st := &heldEnds{Store: openStore(t).(*sqlite.Store), entered: make(chan struct{}), release: make(chan struct{})}
	h := newHarnessOn(t, st)
	secret := h.addKey(server.Operator)
	url, stop := serve(t, h.srv)
	defer stop()
	post := func() (*http.Response, string) {
		req, err := http.NewRequest("POST", url+"/v1/campaigns/first_deposit_bonus/suspend", strings.NewReader(`{"reason": "audit"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Idempotency-Key", "answer-first")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}
	st.armed.Store(true)
	first, body := post() // answered while its key's end is held
	require.Equal(t, 200, first.StatusCode, body)
	<-st.entered
	retried := make(chan string, 1)
	go func() {
		r, b := post()
		assert.Equal(t, "true", r.Header.Get("Idempotent-Replayed"))
		retried <- fmt.Sprint(r.StatusCode, " ", b)
	}()
	select {
	case r := <-retried:
		t.Fatalf("the retry was answered before the first's end was recorded: %s", r)
	case <-time.After(50 * time.Millisecond):
	}
	close(st.release)
	assert.Equal(t, "200 "+body, <-retried, "the response kept")
}

// TestIdempotencyEndWithEvents: the Idempotency-Key's end of POST
// /v1/events is recorded in the transaction of its events
// (store.RequestEnds), never in a write of keys of its own: once
// answered, the key is done in the store (a kill -9 after the answer
// keeps it), without the response, and a repeat is answered from the
// outcomes stored, byte for byte as the first answer, marked replayed;
// the same key with another body is still 422.
func TestIdempotencyEndWithEvents(t *testing.T) {
	st := &countedEnds{Store: openStore(t).(*sqlite.Store)}
	h := newHarnessOn(t, st)
	body := []any{
		reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card"),
		reg("reg-p2", "p2", t0), ev("d2", "p2", "deposit", t0.Add(time.Minute), "amount", "80.00", "method", "card"),
		ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card"), // the same event twice
	}
	post := func(key string, body any) response {
		return h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body, headers: []string{"Idempotency-Key", key}})
	}
	r1 := post("with-events", body)
	require.Equal(t, 200, r1.status, "%s", r1.raw)
	require.Len(t, r1.json["outcomes"], 2)
	assert.Zero(t, st.finishes.Load(), "no end written on its own")

	keys, err := st.Keys(context.Background())
	require.NoError(t, err)
	require.NotEmpty(t, keys)
	var scope string
	for _, k := range keys {
		if k.Role == string(server.Operator) {
			scope = k.ID + " POST /v1/events"
		}
	}
	got, started, err := st.StartRequest(context.Background(),
		store.Request{Scope: scope, Key: "with-events", Fingerprint: []byte("another"), Started: t0}, t0)
	require.NoError(t, err)
	require.False(t, started)
	assert.Equal(t, 200, got.Status, "done in the store once answered")
	assert.Empty(t, got.Response, "recorded with the events, without the response")

	r2 := post("with-events", body)
	assert.Equal(t, 200, r2.status)
	assert.Equal(t, "true", r2.header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(r1.raw), string(r2.raw), "answered again from the log as the first answer")
	assert.Len(t, h.outcomes(), 2, "nothing handled twice")

	r3 := post("with-events", body[:2])
	assert.Equal(t, 422, r3.status)
	assert.Equal(t, server.CodeIdempotencyKeyReused, r3.code())

	// An event handled before under another key beside a new one: its
	// outcome is listed (replay.go), and the key's end is still recorded
	// with the new event.
	seen := []any{body[1], ev("d3", "p1", "deposit", t0.Add(2*time.Minute), "amount", "20.00", "method", "card")}
	r4 := post("with-seen", seen)
	require.Equal(t, 200, r4.status, "%s", r4.raw)
	r5 := post("with-seen", seen)
	assert.Equal(t, "true", r5.header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(r4.raw), string(r5.raw))
	assert.Zero(t, st.finishes.Load(), "no end written on its own")

	// Events all handled before: no transaction stores them, and the
	// end is written on its own, with the response.
	r6 := post("all-seen", body[:2])
	require.Equal(t, 200, r6.status, "%s", r6.raw)
	assert.Len(t, r6.json["outcomes"], 1, "the outcome stored")
	r7 := post("all-seen", body[:2])
	assert.Equal(t, "true", r7.header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(r6.raw), string(r7.raw))
	assert.Equal(t, int64(1), st.finishes.Load(), "written on its own")
}

// countedEnds counts the ends of requests written on their own
// (FinishRequest, or finishes in WriteRequests).
type countedEnds struct {
	*sqlite.Store
	finishes atomic.Int64
}

func (s *countedEnds) FinishRequest(ctx context.Context, scope, key string, status int, response []byte) error {
	s.finishes.Add(1)
	return s.Store.FinishRequest(ctx, scope, key, status, response)
}

func (s *countedEnds) WriteRequests(ctx context.Context, fs []store.FinishedRequest, rs []store.Request, staleBefore time.Time) ([]store.StartedRequest, error) {
	s.finishes.Add(int64(len(fs)))
	return s.Store.WriteRequests(ctx, fs, rs, staleBefore)
}

// TestIdempotencyEndFails: when the end of a key whose events were all
// stored before (a retry under a new key) cannot be written, the request
// is answered all the same, from the outcomes stored, and the failure is
// logged as an error: the key is taken over once stale.
func TestIdempotencyEndFails(t *testing.T) {
	st := &failedEnds{Store: openStore(t).(*sqlite.Store)}
	h := newHarnessOn(t, st)
	body := []any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")}
	post := func(key string) response {
		return h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body, headers: []string{"Idempotency-Key", key}})
	}
	r1 := post("first")
	require.Equal(t, 200, r1.status, "%s", r1.raw)
	assert.NotContains(t, h.logs.String(), "keeping the response of an idempotent request")

	st.fail.Store(true)
	r2 := post("all-seen")
	require.Equal(t, 200, r2.status, "%s", r2.raw)
	assert.Equal(t, r1.json["outcomes"], r2.json["outcomes"], "answered from the outcomes stored")
	assert.Contains(t, h.logs.String(), "keeping the response of an idempotent request")
	assert.Contains(t, h.logs.String(), "disk full")
}

// failedEnds fails the ends of requests written on their own once fail is
// set.
type failedEnds struct {
	*sqlite.Store
	fail atomic.Bool
}

func (s *failedEnds) FinishRequest(ctx context.Context, scope, key string, status int, response []byte) error {
	if s.fail.Load() {
		return errors.New("disk full")
	}
	return s.Store.FinishRequest(ctx, scope, key, status, response)
}

func (s *failedEnds) WriteRequests(ctx context.Context, fs []store.FinishedRequest, rs []store.Request, staleBefore time.Time) ([]store.StartedRequest, error) {
	if s.fail.Load() && len(fs) > 0 {
		return nil, errors.New("disk full")
	}
	return s.Store.WriteRequests(ctx, fs, rs, staleBefore)
}

// takenMeanwhile, once armed, has another request take the key of the
// first Apply that records one (store.RequestEnds) just before it, as a
// request of another process on the same database would: started with
// another body (fp) or the same, and done when done is set.
type takenMeanwhile struct {
	*sqlite.Store
	armed atomic.Bool
	fp    []byte
	done  bool
}

func (s *takenMeanwhile) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	if ends := store.RequestEndsIn(ctx); len(ends) > 0 && s.armed.CompareAndSwap(true, false) {
		scope, key := ends[0].Request.Scope, ends[0].Request.Key
		theirs := store.Request{Scope: scope, Key: key, Fingerprint: s.fp, Started: t0.Add(-time.Second)}
		if _, started, err := s.Store.StartRequest(ctx, theirs, t0.Add(-time.Hour)); err != nil || !started {
			panic(fmt.Sprint("the other request did not start: ", err))
		}
		if s.done {
			if err := s.Store.FinishRequest(ctx, scope, key, 200, []byte(theirResponse)); err != nil {
				panic(err)
			}
		}
	}
	return s.Store.Apply(ctx, changes)
}

// theirResponse is the response kept of the other request of
// takenMeanwhile: spaced unlike the server's own.
const theirResponse = `{"events": 1,  "outcomes": []}` + "\n"

// TestIdempotencyTakenMeanwhile: POST /v1/events records its key with
// its events; when another request (another process's) took the key
// meanwhile, the events' transaction fails and stores nothing, and the
// request is answered as the repeat it is: 422 for another body, 409
// while the other runs, the other's response once it is done.
func TestIdempotencyTakenMeanwhile(t *testing.T) {
	st := &takenMeanwhile{Store: openStore(t).(*sqlite.Store)}
	h := newHarnessOn(t, st)
	body := `{"id":"d1","player":"p1","kind":"deposit","time":"2026-11-02T10:05:00Z","amount":"5","method":"card"}`
	fp := sha256.New()
	fp.Write([]byte("POST /v1/events?\n" + body))
	post := func(key string) response {
		return h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body, headers: []string{"Idempotency-Key", key}})
	}
	require.Equal(t, 200, h.events(reg("reg-p1", "p1", t0)).status)
	stored := func() bool { // d1 recorded (with its hash, which this look-up does not give)
		got, err := st.Seen(context.Background(), []store.Event{{Player: "p1", ID: "d1"}})
		require.NoError(t, err)
		return got[0] != store.NotSeen
	}
	for _, c := range []struct {
		name   string
		fp     []byte
		done   bool
		status int
		code   string
	}{
		{"another body", []byte("another"), false, 422, server.CodeIdempotencyKeyReused},
		{"the same, running", fp.Sum(nil), false, 409, server.CodeIdempotencyKeyInUse},
		{"the same, done", fp.Sum(nil), true, 200, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			st.fp, st.done = c.fp, c.done
			st.armed.Store(true)
			r := post("meanwhile-" + c.name)
			assert.Equal(t, c.status, r.status, "%s", r.raw)
			assert.False(t, st.armed.Load(), "taken before the events' transaction")
			if c.code != "" {
				assert.Equal(t, c.code, r.code())
			} else {
				assert.Equal(t, theirResponse, string(r.raw), "their response")
				assert.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
			}
			assert.False(t, stored(), "nothing stored")
		})
	}
	// And with the key free all along, the event is handled.
	r := post("free")
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.True(t, stored())
}

// heldApply holds, once armed, the first Apply until released.
type heldApply struct {
	*sqlite.Store
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (s *heldApply) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	if s.armed.CompareAndSwap(true, false) {
		close(s.entered)
		<-s.release
	}
	return s.Store.Apply(ctx, changes)
}

// TestIdempotencyRunningHere: a repeat of POST /v1/events while the
// first runs in this process, before any of it is in the store, is 409
// (422 with another body), from the keys this process runs; once the
// first is answered, its repeat gets its answer again.
func TestIdempotencyRunningHere(t *testing.T) {
	st := &heldApply{Store: openStore(t).(*sqlite.Store), entered: make(chan struct{}), release: make(chan struct{})}
	h := newHarnessOn(t, st)
	require.Equal(t, 200, h.events(reg("reg-p1", "p1", t0)).status)
	first := ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")
	post := func(body any) response {
		return h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body, headers: []string{"Idempotency-Key", "here"}})
	}
	st.armed.Store(true)
	answered := make(chan response, 1)
	go func() { answered <- post(first) }()
	<-st.entered
	r := post(first)
	assert.Equal(t, 409, r.status, "%s", r.raw)
	assert.Equal(t, server.CodeIdempotencyKeyInUse, r.code())
	assert.Equal(t, "1", r.header.Get("Retry-After"))
	r = post(ev("d2", "p1", "deposit", t0.Add(time.Minute), "amount", "60.00", "method", "card"))
	assert.Equal(t, 422, r.status, "%s", r.raw)
	assert.Equal(t, server.CodeIdempotencyKeyReused, r.code())
	close(st.release)
	r1 := <-answered
	require.Equal(t, 200, r1.status, "%s", r1.raw)
	again := post(first)
	assert.Equal(t, 200, again.status)
	assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(r1.raw), string(again.raw))
	assert.Len(t, h.outcomes(), 1, "handled once")
	// The key with a body the engine refuses: the key reused, as before
	// the body is looked at.
	bad := post(map[string]any{"id": "d3", "player": "p1", "kind": "deposit", "time": "2026-11-02T10:05:00Z"})
	assert.Equal(t, 422, bad.status, "%s", bad.raw)
	assert.Equal(t, server.CodeIdempotencyKeyReused, bad.code())
	// And with a new key, refused as it is.
	bad = h.do(call{method: "POST", path: "/v1/events", role: server.Operator, headers: []string{"Idempotency-Key", "new"},
		body: map[string]any{"id": "d3", "player": "p1", "kind": "deposit", "time": "2026-11-02T10:05:00Z"}})
	assert.Equal(t, 422, bad.status, "%s", bad.raw)
	assert.Equal(t, server.CodeInvalidEvent, bad.code())
}

// splitApply, once armed, stores the changes of the first Apply that
// records a request's end (store.RequestEnds) in two transactions, as a
// request whose events span two: the first up to its first event, then
// the rest, which fails (fail) or is stored by a transaction that does
// not carry the end (as another request's, storing the same events).
// When it fails, every Apply fails until broken is cleared.
type splitApply struct {
	*sqlite.Store
	armed  atomic.Bool
	fail   bool
	broken atomic.Bool
}

func (s *splitApply) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	if s.broken.Load() {
		return nil, errors.New("disk full")
	}
	if len(store.RequestEndsIn(ctx)) == 0 || !s.armed.CompareAndSwap(true, false) {
		return s.Store.Apply(ctx, changes)
	}
	cut := 0
	for cut < len(changes) && changes[cut].Event == nil {
		cut++
	}
	cut++
	if cut >= len(changes) {
		panic("no change after the first event")
	}
	first, err := s.Store.Apply(ctx, changes[:cut])
	if err != nil {
		return nil, err
	}
	if s.fail {
		s.broken.Store(true)
		return nil, errors.New("disk full")
	}
	rest, err := s.Store.Apply(store.ContextWithRequestEnds(ctx, nil), changes[cut:])
	return append(first, rest...), err
}

// TestIdempotencySpanned: a request whose key is recorded with its events
// (RequestEnd.Unstarted) and whose events span two transactions: its key
// started by the first. When the second fails, the key is let go as for
// a request started on its own, and its retry is handled (it was 409
// until stale: the key left running); when the rest of its events are
// stored by another transaction, the request is answered 200 and its end
// recorded (it answered itself 409: its own key found running).
func TestIdempotencySpanned(t *testing.T) {
	for _, fail := range []bool{true, false} {
		t.Run(fmt.Sprint("fail=", fail), func(t *testing.T) {
			st := &splitApply{Store: openStore(t).(*sqlite.Store), fail: fail}
			h := newHarnessOn(t, st)
			body := []any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")}
			post := func() response {
				return h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body, headers: []string{"Idempotency-Key", "spanned"}})
			}
			st.armed.Store(true)
			r1 := post()
			assert.False(t, st.armed.Load(), "split")
			if fail {
				assert.Equal(t, 500, r1.status, "%s", r1.raw)
				st.broken.Store(false)
				r2 := post()
				require.Equal(t, 200, r2.status, "the retry handled: %s", r2.raw)
				assert.Empty(t, r2.header.Get("Idempotent-Replayed"))
				r3 := post()
				assert.Equal(t, "true", r3.header.Get("Idempotent-Replayed"))
				assert.Equal(t, string(r2.raw), string(r3.raw))
				return
			}
			require.Equal(t, 200, r1.status, "%s", r1.raw)
			r2 := post()
			assert.Equal(t, 200, r2.status, "%s", r2.raw)
			assert.Equal(t, "true", r2.header.Get("Idempotent-Replayed"))
			assert.Equal(t, string(r1.raw), string(r2.raw))
		})
	}
}
