package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// inboxBatch is the number of entries the worker reads at a time.
const inboxBatch = 16

// newRef is a random reference: 128 bits, in hex.
func newRef() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on the platforms Go supports
	}
	return hex.EncodeToString(b[:])
}

// wantsAsync says whether a request asks for an answer before its events
// are handled: Prefer: respond-async (RFC 7240), or the server's Async.
func (s *Server) wantsAsync(q *request) bool {
	if s.cfg.Async {
		return true
	}
	for _, v := range q.Header.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(p), ";")
			if strings.EqualFold(strings.TrimSpace(name), "respond-async") {
				return true
			}
		}
	}
	return false
}

// headered is a response value with headers to send with it.
type headered struct {
	v      any
	header http.Header
}

func (h headered) MarshalJSON() ([]byte, error) { return json.Marshal(h.v) }

// accepted is the answer 202 to events accepted into the inbox.
type accepted struct {
	Ref      string `json:"ref"`
	Status   string `json:"status"`
	Events   int    `json:"events"`
	Location string `json:"location"` // where to read the status
}

// acceptEvents stores the request's events, checked as JSON, in the
// inbox, in one transaction, and answers 202: from then on they are
// durable, and the worker handles them in the order accepted.
func (s *Server) acceptEvents(ctx context.Context, q *request, n int) (int, any, error) {
	if s.in == nil {
		return 0, nil, errorf(http.StatusNotFound, CodeNotFound, "this server's store has no inbox: send the events without Prefer: respond-async")
	}
	e, err := s.in.Accept(ctx, store.InboxEntry{Ref: newRef(), Actor: q.who.id, Body: q.body, Accepted: s.now()})
	if err != nil {
		return 0, nil, err
	}
	s.smet.inbox.WithLabelValues("accepted").Inc()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	loc := "/v1/events/status/" + e.Ref
	return http.StatusAccepted, headered{v: accepted{Ref: e.Ref, Status: string(store.InboxPending), Events: n, Location: loc},
		header: http.Header{"Location": {loc}, "Preference-Applied": {"respond-async"}}}, nil
}

// eventsStatus is the answer to GET /v1/events/status/{ref}.
type eventsStatus struct {
	Ref      string          `json:"ref"`
	Status   string          `json:"status"`
	Accepted time.Time       `json:"accepted"`
	Finished *time.Time      `json:"finished,omitempty"`
	Result   json.RawMessage `json:"result,omitempty"` // done: the response of a request handled at once
	Error    json.RawMessage `json:"error,omitempty"`  // failed: the error it would have had
}

// getEventsStatus reads an inbox entry.
func (s *Server) getEventsStatus(ctx context.Context, q *request) (int, any, error) {
	if p := queryOf(q); p.err != nil {
		return 0, nil, p.err
	}
	ref := q.PathValue("ref")
	if s.in == nil {
		return 0, nil, errorf(http.StatusNotFound, CodeNotFound, "this server's store has no inbox")
	}
	e, ok, err := s.in.InboxEntry(ctx, ref)
	if err != nil {
		return 0, nil, err
	}
	if !ok {
		return 0, nil, errorf(http.StatusNotFound, CodeNotFound, "no events accepted under %q (handled entries are kept %s)", ref, s.cfg.KeepInbox).
			with("ref", ref)
	}
	out := eventsStatus{Ref: e.Ref, Status: string(e.Status), Accepted: e.Accepted.UTC()}
	if !e.Finished.IsZero() {
		f := e.Finished.UTC()
		out.Finished = &f
	}
	switch e.Status {
	case store.InboxDone:
		out.Result = e.Result
	case store.InboxFailed:
		out.Error = e.Result
	}
	return http.StatusOK, out, nil
}

// work handles the inbox until ctx is done: woken by an entry accepted
// here, and every Config.Poll for those accepted by other processes. Only
// the process holding the inbox's lease handles it, entry after entry in
// the order accepted, so that each player's events keep their order. The
// lease lasts Config.LeaseTTL without renewal (see drain): when its
// holder dies, another process, or the same one restarted, takes the
// inbox over after that.
func (s *Server) work(ctx context.Context) {
	if s.in == nil {
		return
	}
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	var pruned time.Time
	for {
		s.drain(ctx)
		if now := s.now(); now.Sub(pruned) >= housekeeping {
			if n, err := s.in.PruneInbox(ctx, now.Add(-s.cfg.KeepInbox)); err != nil && ctx.Err() == nil {
				s.log.Error("inbox: prune", slog.String("error", err.Error()))
			} else if n > 0 {
				s.log.Info("inbox: pruned", slog.Int64("entries", n))
			}
			pruned = now
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// drain handles the pending entries while this process holds the lease.
// The lease is taken before the first entry and renewed before an entry
// once a third of Config.LeaseTTL has passed since it was last taken, so
// that it never runs out while this process works (an entry takes less
// than two thirds of it). An entry's events are handled whole, even when
// ctx ends meanwhile; a failure of the database leaves the entry pending
// for the next round.
func (s *Server) drain(ctx context.Context) {
	var claimed time.Time // zero: not held
	claim := func() bool {
		now := s.now()
		if !claimed.IsZero() && now.Sub(claimed) < s.cfg.LeaseTTL/3 {
			return true
		}
		held, err := s.in.ClaimInbox(ctx, s.inboxID, now, now.Add(s.cfg.LeaseTTL))
		if err != nil && ctx.Err() == nil {
			s.log.Error("inbox: claim", slog.String("error", err.Error()))
		}
		if err != nil || !held {
			return false
		}
		claimed = now
		return true
	}
	for ctx.Err() == nil {
		if !claim() {
			return
		}
		es, err := s.in.PendingInbox(ctx, inboxBatch)
		if err != nil || len(es) == 0 {
			if err != nil && ctx.Err() == nil {
				s.log.Error("inbox: read", slog.String("error", err.Error()))
			}
			return
		}
		for _, e := range es {
			if ctx.Err() != nil || !claim() {
				return
			}
			if err := s.handleEntry(context.WithoutCancel(ctx), e); err != nil {
				s.log.Error("inbox: handling an entry; left pending", slog.String("ref", e.Ref), slog.String("error", err.Error()))
				return
			}
		}
	}
}

// handleEntry runs an entry's events through the engine as POST
// /v1/events does at once, and records the result: the response, or the
// error (an event the engine refuses: nothing of the entry is stored). An
// error of the database is returned, the entry left pending. A crash
// between the engine's transaction and the entry's end handles it again:
// its events are then duplicates and change nothing, and the result lists
// the outcomes the log holds for them, as the first handling would have
// (replay.go), as POST /v1/events answers its retry.
func (s *Server) handleEntry(ctx context.Context, e store.InboxEntry) error {
	status, result := store.InboxDone, []byte(nil)
	evs, err := s.decodeEvents(e.Body)
	var outs []engine.Outcome
	if err == nil {
		cur, done := s.use()
		var seen []bool
		outs, seen, err = cur.eng.HandleSeen(ctx, evs)
		done()
		if err != nil {
			err = eventError(-1, err)
		} else { // handled before: answered from the log, as POST /v1/events does (replay.go)
			outs, err = s.withStored(ctx, evs, seen, outs)
		}
	}
	var ae *Error
	switch {
	case err == nil:
		if outs == nil {
			outs = []engine.Outcome{}
		}
		s.met.accepted(evs)
		s.met.logged(outs...)
		s.hooks.notify()
		result, err = json.Marshal(eventsResponse{Events: len(evs), Outcomes: outs})
		if err != nil {
			return err
		}
	case errors.As(err, &ae):
		status = store.InboxFailed
		if result, err = json.Marshal(ae); err != nil {
			return err
		}
	default:
		return err
	}
	if err := s.in.FinishInbox(ctx, e.Seq, status, result, s.now()); err != nil {
		return err
	}
	s.smet.inbox.WithLabelValues(string(status)).Inc()
	return nil
}

// setHeaders sends the headers of a headered response value.
func setHeaders(w http.ResponseWriter, v any) {
	if h, ok := v.(headered); ok {
		for k, vs := range h.header {
			w.Header()[k] = vs
		}
	}
}

// serviceMetrics are the metrics of the inbox and of the rule set running,
// on the server's registry.
type serviceMetrics struct {
	inbox   *prometheus.CounterVec // result: accepted, done, failed
	ruleSet *prometheus.GaugeVec   // version: 1 for the one running
}

func newServiceMetrics(reg prometheus.Registerer) *serviceMetrics {
	m := &serviceMetrics{
		inbox: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "promoc_inbox_entries_total",
			Help: "Requests of events accepted into the inbox with 202 by this process, and entries it handled, by result: accepted, done or failed."},
			[]string{"result"}),
		ruleSet: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "promoc_rule_set_running",
			Help: "1 for the version of the rule set this process runs."}, []string{"version"}),
	}
	reg.MustRegister(m.inbox, m.ruleSet)
	return m
}

// running records the version running.
func (m *serviceMetrics) running(version string) {
	m.ruleSet.Reset()
	m.ruleSet.WithLabelValues(version).Set(1)
}
