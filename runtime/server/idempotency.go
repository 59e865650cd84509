package server

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// maxIdempotencyKey bounds the Idempotency-Key header's value.
const maxIdempotencyKey = 255

// idempotencyKey reads the Idempotency-Key header: a structured-field
// string ("..."), or the same text without quotes, of printable ASCII.
func idempotencyKey(r *http.Request) (string, bool, error) {
	vs := r.Header.Values("Idempotency-Key")
	if len(vs) == 0 {
		return "", false, nil
	}
	if len(vs) > 1 {
		return "", true, errorf(http.StatusBadRequest, CodeInvalidIdempotencyKey, "Idempotency-Key sent %d times: expected once", len(vs))
	}
	k := strings.TrimSpace(vs[0])
	if len(k) >= 2 && k[0] == '"' && k[len(k)-1] == '"' {
		k = k[1 : len(k)-1]
	}
	if k == "" || len(k) > maxIdempotencyKey {
		return "", true, errorf(http.StatusBadRequest, CodeInvalidIdempotencyKey, "Idempotency-Key: expected 1 to %d characters, such as a UUID", maxIdempotencyKey)
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e || k[i] == '"' || k[i] == '\\' {
			return "", true, errorf(http.StatusBadRequest, CodeInvalidIdempotencyKey, "Idempotency-Key: character %d is not printable ASCII", i+1)
		}
	}
	return k, true, nil
}

// requestEndKey is the context key of the *store.RequestEnd of a request
// whose route records its key's end with its work (Route.again).
type requestEndKey struct{}

// requestEndOf is the end of the request's key to record with its work,
// or nil: the key's end is recorded after the work, with the response.
func requestEndOf(ctx context.Context) *store.RequestEnd {
	end, _ := ctx.Value(requestEndKey{}).(*store.RequestEnd)
	return end
}

// fingerprint is the hash of what a request asks: method, path, query and
// body. A key reused with another fingerprint is refused.
func fingerprint(q *request) []byte {
	h := sha256.New()
	var line [128]byte
	h.Write(append(append(append(append(append(append(line[:0], q.Method...), ' '), q.URL.EscapedPath()...), '?'), q.URL.RawQuery...), '\n'))
	h.Write(q.body)
	return h.Sum(make([]byte, 0, sha256.Size))
}

// idempotent runs a route under the Idempotency-Key of the request (as the
// IETF draft "The Idempotency-Key HTTP Header Field" says): the first
// request with a key runs and its success is kept, with its response, for
// KeepRequests; a repeat gets that response again (Idempotent-Replayed:
// true); a repeat while the first still runs is 409; the key with another
// request is 422. A request that fails stores nothing, its key included,
// so that it may be sent again as it was.
//
// A success is answered while its key's end is recorded, not after (a
// transaction and a wait for the disk less on the path of a request): the
// work is stored by then, and the end is queued first in the group of
// keys written next (keybatcher.go), so that a retry sent after the answer
// is recorded after it and gets the response kept. If the end cannot be
// recorded, the key is taken over once stale, as when the process dies
// before it. On a store without store.RequestBatches the end is recorded
// before the answer.
//
// A route that answers a repeat from what its work stored (Route.again:
// POST /v1/events) records the key's end in the transaction of that work,
// when the store does (store.RequestEnds): without the response, which
// a repeat gets made again. Then no transaction of its own is written for
// the end, and the end is stored before the answer is sent: a request
// answered 2xx is recorded as done even if the process is killed the
// moment after. A request none of whose work's transactions recorded it
// (its events were all stored before: a retry) records its end, with the
// response, before the answer too. (A request whose work was stored and
// which failed after it, answered 5xx, is recorded as done: its repeat is
// answered from the work stored.)
func (s *Server) idempotent(w http.ResponseWriter, q *request, rt Route) {
	key, sent, err := idempotencyKey(q.Request)
	if err != nil {
		s.writeError(w, q.Request, err)
		return
	}
	if !sent {
		if rt.idem == idemRequired {
			s.writeError(w, q.Request, errorf(http.StatusBadRequest, CodeMissingIdempotencyKey,
				"%s %s needs an Idempotency-Key header, a unique value per request such as a UUID: a retry with the same key is safe", rt.Method, rt.Path))
			return
		}
		status, v, err := rt.h(q.Context(), q)
		if err != nil {
			s.writeError(w, q.Request, err)
			return
		}
		writeJSON(w, status, v)
		return
	}
	// The work is not cut off when the client goes away: its retry will
	// get the response kept.
	ctx := context.WithoutCancel(q.Context())
	now := s.now()
	req := store.Request{Scope: q.who.id + " " + rt.Method + " " + rt.Path, Key: key, Fingerprint: fingerprint(q), Started: now}
	staleBefore := now.Add(-s.cfg.StaleRequest)
	tr := traceOf(ctx)
	if tr != nil {
		tr.Key = key
	}
	// Route.again is POST /v1/events's; answered 202, its requests
	// store an inbox entry, not their events, and are started as usual.
	if rt.again != nil && s.batch.ends != nil && !s.wantsAsync(q) {
		s.idempotentUnstarted(ctx, w, q, rt, req, staleBefore)
		return
	}
	s.idempotentStarted(ctx, w, q, rt, req, staleBefore)
}

// idempotentStarted records the start of req (a store transaction,
// grouped: keybatcher.go), then runs the route, or answers a repeat.
func (s *Server) idempotentStarted(ctx context.Context, w http.ResponseWriter, q *request, rt Route, req store.Request, staleBefore time.Time) {
	got, started, err := s.startRequest(ctx, req, staleBefore)
	if tr := traceOf(ctx); tr != nil {
		tr.mark(&tr.KeyStart)
	}
	if s.answeredStart(ctx, w, q, rt, req, got, started, err) {
		return
	}
	var end *store.RequestEnd
	if rt.again != nil && s.batch.ends != nil {
		end = &store.RequestEnd{Request: req}
	}
	s.runIdempotent(ctx, w, q, rt, req, staleBefore, end)
}

// answeredStart answers a request whose start (startRequest's got,
// started, err) did not start it: the store's error, or the repeat (the
// first answer again, 409 while it runs, 422 for another body). It says
// whether it answered.
func (s *Server) answeredStart(ctx context.Context, w http.ResponseWriter, q *request, rt Route, req store.Request, got store.Request, started bool, err error) bool {
	switch {
	case err != nil:
		s.writeError(w, q.Request, err)
	case !started:
		s.repeat(ctx, w, q, rt, req, got)
	default:
		return false
	}
	return true
}

// idempotentUnstarted runs a route whose key's end is recorded with its
// work (Route.again, store.RequestEnds) with no transaction of its own
// for the key's start: the key is recorded as started, and done, by the
// transaction of the request's events (RequestEnd.Unstarted), which
// fails with store.ErrRequestTaken, storing nothing, when the key is
// there already (a repeat, or the key reused for another request, or
// taken meanwhile by another process); the request is then started as
// usual, which answers it as the repeat it is (or takes over a key left
// running by a process that died). So a request of events waits once for
// the store's one writer, not twice. A repeat while the first runs in
// this process is found in s.busyKeys; one whose events were all stored
// before writes no transaction of events, and is started as usual then
// (runIdempotent).
func (s *Server) idempotentUnstarted(ctx context.Context, w http.ResponseWriter, q *request, rt Route, req store.Request, staleBefore time.Time) {
	name := req.Scope + "\x00" + req.Key
	if fp, busy := s.busyKeys.claim(name, req.Fingerprint); busy {
		s.repeat(ctx, w, q, rt, req, store.Request{Scope: req.Scope, Key: req.Key, Fingerprint: fp})
		return
	}
	defer s.busyKeys.release(name)
	s.runIdempotent(ctx, w, q, rt, req, staleBefore, &store.RequestEnd{Request: req, Unstarted: true})
}

// repeat answers a request whose key was found recorded (got): 422 for
// another request's, 409 while it runs, else the response kept, or, for
// a route whose key's end was recorded with its work, the response made
// again from it (Route.again).
func (s *Server) repeat(ctx context.Context, w http.ResponseWriter, q *request, rt Route, req, got store.Request) {
	switch {
	case string(got.Fingerprint) != string(req.Fingerprint):
		s.writeError(w, q.Request, errorf(http.StatusUnprocessableEntity, CodeIdempotencyKeyReused,
			"Idempotency-Key %q was used for another request: use a new key for a new request", req.Key))
	case got.Status == 0:
		w.Header().Set("Retry-After", "1")
		s.writeError(w, q.Request, errorf(http.StatusConflict, CodeIdempotencyKeyInUse,
			"the first request with Idempotency-Key %q is still being processed: retry later", req.Key))
	case len(got.Response) == 0 && rt.again != nil: // ended with its work: answered from it
		_, v, err := rt.again(ctx, q)
		var b []byte
		if err == nil {
			b, err = json.Marshal(v)
		}
		if err != nil {
			s.writeError(w, q.Request, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(got.Status)
		w.Write(append(b, '\n'))
	default:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(got.Status)
		w.Write(got.Response)
	}
}

// runIdempotent runs the route of a request whose key is started (end
// nil or not Unstarted) or to be recorded with its work (end.Unstarted),
// and answers it.
func (s *Server) runIdempotent(ctx context.Context, w http.ResponseWriter, q *request, rt Route, req store.Request, staleBefore time.Time, end *store.RequestEnd) {
	key := req.Key
	unstarted := end != nil && end.Unstarted
	if end != nil {
		ctx = context.WithValue(ctx, requestEndKey{}, end)
	}
	// ours says whether the key is recorded as this request's: started
	// on its own, or with its work by a transaction committed (an
	// Unstarted end whose events span several transactions is started
	// by the first: RequestEnd.Begun).
	ours := func() bool { return !unstarted || end.Begun.Load() || end.Written.Load() }
	tr := traceOf(ctx)
	done := false
	defer func() {
		if !done && ours() { // the handler panicked: free the key for a retry
			s.st.DropRequest(ctx, req.Scope, key)
		}
	}()
	status, v, herr := rt.h(ctx, q)
	done = true
	var ae *Error
	if !ours() && (errors.Is(herr, store.ErrRequestTaken) || errors.As(herr, &ae) && ae.Status/100 == 4) {
		// The key was there (a repeat, the key reused, or taken
		// meanwhile by another process's request), or the request
		// was refused (which a repeat with the key of another
		// request is not: 422, the key reused): it stored nothing.
		// Started as usual, it is answered as it would have been.
		s.idempotentStarted(context.WithValue(ctx, requestEndKey{}, nil), w, q, rt, req, staleBefore)
		return
	}
	if herr == nil {
		b, err := json.Marshal(v)
		if err == nil {
			b = append(b, '\n')
			finished := func() error { return nil }
			// keepNow records the key's end with the response before the
			// answer (a failure is logged: the answer goes on).
			keepNow := func() {
				if err := s.finishLater(ctx, req.Scope, key, status, b)(); err != nil {
					s.log.Error("keeping the response of an idempotent request", slog.String("key_id", q.who.id), slog.String("error", err.Error()))
				}
			}
			switch {
			case end != nil && end.Written.Load(): // recorded with the work
			case !ours():
				// No transaction of the work recorded it: its events
				// were all stored before, by a request with this key
				// (a repeat) or another (a retry under a new key). It
				// stored nothing: started now, it is answered as the
				// repeat it is, or its end recorded with the response,
				// before the answer.
				got, started, err := s.startRequest(ctx, req, staleBefore)
				if s.answeredStart(ctx, w, q, rt, req, got, started, err) {
					return
				}
				if f := infoOf(ctx).accepted; f != nil {
					f() // not a repeat: its events count again (postEvents)
				}
				keepNow()
			case end != nil:
				// No transaction of the work recorded its end (its
				// events were all stored before, a retry, or the last
				// of them by another transaction): recorded now, with
				// the response, before the answer, as with the work.
				keepNow()
			default:
				// The work is done and stored: the key's end is
				// queued, so that a retry from now on comes after it,
				// then the answer is sent while the end is recorded.
				finished = s.finishLater(ctx, req.Scope, key, status, b)
			}
			setHeaders(w, v)
			h := w.Header()
			h["Content-Type"], h["X-Content-Type-Options"] = jsonType, noSniff
			h["Content-Length"] = []string{strconv.Itoa(len(b))}
			w.WriteHeader(status)
			w.Write(b)
			http.NewResponseController(w).Flush()
			if tr != nil {
				tr.mark(&tr.Sent)
			}
			if err := finished(); err != nil {
				// Let the key be taken over once stale.
				s.log.Error("keeping the response of an idempotent request", slog.String("key_id", q.who.id), slog.String("error", err.Error()))
			}
			return
		}
		herr = err
	}
	if ours() {
		if err := s.st.DropRequest(ctx, req.Scope, key); err != nil {
			s.log.Error("forgetting a failed idempotent request", slog.String("key_id", q.who.id), slog.String("error", err.Error()))
		}
	}
	s.writeError(w, q.Request, herr)
}

// runningKeys are the Idempotency-Keys of the requests of this process
// that record their key with their work (idempotentUnstarted), from their
// look-up to their answer, with their fingerprints: a repeat sent
// meanwhile is answered 409 (or 422 for another request) without
// reaching the store.
type runningKeys struct {
	mu   sync.Mutex
	keys map[string][]byte
}

// claim records name as running with fingerprint fp, unless it is: then
// it returns the fingerprint of the request running it, and true.
func (r *runningKeys) claim(name string, fp []byte) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if had, ok := r.keys[name]; ok {
		return had, true
	}
	if r.keys == nil {
		r.keys = map[string][]byte{}
	}
	r.keys[name] = fp
	return nil, false
}

// release forgets name, claimed before.
func (r *runningKeys) release(name string) {
	r.mu.Lock()
	delete(r.keys, name)
	r.mu.Unlock()
}
