package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

var t0 = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) // a Monday

// clock is a settable clock for the server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// syncBuffer is a log every goroutine may write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness is a server on a fresh SQLite store with one key per role.
type harness struct {
	t     testing.TB
	st    store.Store
	srv   *server.Server
	h     http.Handler
	clock *clock
	logs  *syncBuffer
	keys  map[server.Role]string // role → secret
}

func compile(t testing.TB) *runtime.Program {
	t.Helper()
	prog, err := runtime.Compile(os.DirFS("testdata/rules"))
	require.NoError(t, err)
	return prog
}

// auditedStore is what a server needs of its store; the tests' wrappers of
// a store embed one.
type auditedStore interface {
	store.Store
	store.Audited
}

func openStore(t testing.TB) auditedStore {
	t.Helper()
	st, err := sqlite.OpenFresh(context.Background(), filepath.Join(t.TempDir(), "promoc.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

func newHarness(t testing.TB, tweak ...func(*server.Config)) *harness {
	t.Helper()
	return newHarnessOn(t, openStore(t), tweak...)
}

// newHarnessOn is newHarness on a given store.
func newHarnessOn(t testing.TB, st store.Store, tweak ...func(*server.Config)) *harness {
	t.Helper()
	h := &harness{t: t, st: st, clock: &clock{t: t0}, logs: &syncBuffer{}, keys: map[server.Role]string{}}
	cfg := server.Config{Program: compile(t), Store: h.st, Clock: h.clock.Now,
		Logger: slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, f := range tweak {
		f(&cfg)
	}
	var err error
	h.srv, err = server.New(context.Background(), cfg)
	require.NoError(t, err)
	h.h = h.srv.Handler()
	for _, r := range server.Roles {
		h.keys[r] = h.addKey(r)
	}
	return h
}

func (h *harness) addKey(r server.Role) string {
	h.t.Helper()
	secret, k, err := server.NewKey(r, "test "+string(r), t0)
	require.NoError(h.t, err)
	require.NoError(h.t, h.st.AddKey(context.Background(), k))
	return secret
}

// call is one request: the role's key ("" for none), headers as name,
// value pairs, and a body (a string sent as is, or a value sent as JSON).
type call struct {
	method, path string
	role         server.Role
	key          string // overrides role
	body         any
	headers      []string
}

// response is what came back, with the body decoded when it is JSON.
type response struct {
	status int
	header http.Header
	raw    []byte
	json   map[string]any
}

func (h *harness) do(c call) response {
	h.t.Helper()
	var body io.Reader
	ctype := ""
	switch b := c.body.(type) {
	case nil:
	case string:
		body, ctype = strings.NewReader(b), "application/json"
	case []byte:
		body, ctype = bytes.NewReader(b), "application/json"
	default:
		j, err := json.Marshal(b)
		require.NoError(h.t, err)
		body, ctype = bytes.NewReader(j), "application/json"
	}
	req := httptest.NewRequest(c.method, c.path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	} else if c.role != "" {
		req.Header.Set("Authorization", "Bearer "+h.keys[c.role])
	}
	for i := 0; i+1 < len(c.headers); i += 2 {
		if c.headers[i+1] == "" {
			req.Header.Del(c.headers[i])
		} else {
			req.Header.Set(c.headers[i], c.headers[i+1])
		}
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	r := response{status: rec.Code, header: rec.Header(), raw: rec.Body.Bytes()}
	checkResponse(h.t, h.h, req, r.status, r.header, r.raw)
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		require.NoError(h.t, json.Unmarshal(r.raw, &r.json), "a JSON body: %s", r.raw)
	}
	return r
}

// code is the error code of a response, "" for a success.
func (r response) code() string {
	c, _ := r.json["code"].(string)
	return c
}

// events posts events as the operator with a fresh Idempotency-Key.
// Atomic: tests post from several goroutines.
var idem atomic.Int64

func (h *harness) events(body any) response {
	h.t.Helper()
	return h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body,
		headers: []string{"Idempotency-Key", fmt.Sprintf("test-%d", idem.Add(1))}})
}

// outcomes reads the whole outcome log.
func (h *harness) outcomes() []store.Outcome {
	h.t.Helper()
	outs, err := h.st.Outcomes(context.Background(), 0, 10000)
	require.NoError(h.t, err)
	return outs
}

// ev is an event object; attrs alternate name and value.
func ev(id, player, kind string, at time.Time, attrs ...any) map[string]any {
	m := map[string]any{"id": id, "player": player, "kind": kind, "time": at.Format(time.RFC3339Nano)}
	for i := 0; i+1 < len(attrs); i += 2 {
		m[attrs[i].(string)] = attrs[i+1]
	}
	return m
}

func reg(id, player string, at time.Time) map[string]any {
	return map[string]any{"id": id, "player": player, "kind": "player", "time": at.Format(time.RFC3339Nano),
		"currency": "EUR", "zone": "Europe/Malta", "properties": map[string]any{"vip_level": 1, "country": "MT"}}
}

func sortStrings(s []string) { sort.Strings(s) }

func readFile(name string) (string, error) {
	b, err := os.ReadFile(name)
	return string(b), err
}
