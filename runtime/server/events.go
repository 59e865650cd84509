package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// eventsResponse is the answer to POST /v1/events.
type eventsResponse struct {
	Events   int              `json:"events"`   // the events of the request
	Outcomes []engine.Outcome `json:"outcomes"` // the outcomes of the events, in log order (replay.go)
}

// postEvents handles one event (a JSON object) or a batch (an array of
// them), shaped as engine.DecodeEvent reads them. The events are checked
// whole before anything is written, and written in one transaction: a
// request refused stores nothing. With Prefer: respond-async (or
// Config.Async) they are checked as JSON only, stored in the inbox and
// answered 202 (async.go).
func (s *Server) postEvents(ctx context.Context, q *request) (int, any, error) {
	evs, err := s.decodeEvents(q.body)
	if err != nil {
		return 0, nil, err
	}
	tr := traceOf(ctx)
	if tr != nil {
		tr.mark(&tr.Decoded)
	}
	if s.wantsAsync(q) {
		return s.acceptEvents(ctx, q, len(evs))
	}
	end := requestEndOf(ctx)
	if end != nil {
		end.Status, end.Events = http.StatusOK, eventRefs(evs)
	}
	_, done := s.use() // the batcher runs the engine held here
	defer done()
	outs, seen, err := s.batch.handle(ctx, evs, end, tr)
	if tr != nil {
		tr.mark(&tr.Answered)
	}
	if err != nil {
		return 0, nil, eventError(-1, err)
	}
	if end != nil && end.Unstarted && !end.Written.Load() && !end.Begun.Load() {
		// Nothing of it recorded: a repeat of a request done, which
		// counts nothing, or its events sent again under a new key,
		// which count again; runIdempotent tells.
		infoOf(ctx).accepted = func() { s.met.accepted(evs) }
	} else {
		s.met.accepted(evs)
	}
	s.met.logged(outs...)
	s.hooks.notify()
	// Events handled before: their outcomes too (replay.go).
	if outs, err = s.withStored(ctx, evs, seen, outs); err != nil {
		return 0, nil, err
	}
	if outs == nil {
		outs = []engine.Outcome{}
	}
	return http.StatusOK, eventsResponse{Events: len(evs), Outcomes: outs}, nil
}

// eventsAgain answers a repeat of POST /v1/events whose Idempotency-Key's
// end was recorded with its events (store.RequestEnds), from the log: the
// outcomes of each of its events, in log order, as the first answer listed
// them (replay.go). The repeat's body is the first's (the key's
// fingerprint), so its events are the first's.
func (s *Server) eventsAgain(ctx context.Context, q *request) (int, any, error) {
	evs, err := s.decodeEvents(q.body)
	if err != nil {
		return 0, nil, err
	}
	seen := make([]bool, len(evs))
	for i := range seen {
		seen[i] = true
	}
	outs, err := s.withStored(ctx, evs, seen, nil)
	if err != nil {
		return 0, nil, err
	}
	if outs == nil {
		outs = []engine.Outcome{}
	}
	return http.StatusOK, eventsResponse{Events: len(evs), Outcomes: outs}, nil
}

// eventRefs names the events of evs, each once.
func eventRefs(evs []engine.Event) []store.EventRef {
	if len(evs) == 1 {
		return []store.EventRef{{Player: evs[0].Player, ID: evs[0].ID}}
	}
	refs := make([]store.EventRef, 0, len(evs))
	named := make(map[store.EventRef]bool, len(evs))
	for _, ev := range evs {
		r := store.EventRef{Player: ev.Player, ID: ev.ID}
		if !named[r] {
			named[r] = true
			refs = append(refs, r)
		}
	}
	return refs
}

// decodeEvents reads a body of events, one object or an array of them,
// each shaped as engine.DecodeEvent reads it.
func (s *Server) decodeEvents(body []byte) ([]engine.Event, error) {
	raws, err := s.splitEvents(body)
	if err != nil {
		return nil, err
	}
	evs := make([]engine.Event, len(raws))
	for i, raw := range raws {
		ev, err := engine.DecodeEvent(raw)
		if err != nil {
			return nil, eventError(i, err)
		}
		evs[i] = ev
	}
	return evs, nil
}

// splitEvents reads the body as one event object or an array of them.
func (s *Server) splitEvents(body []byte) ([]json.RawMessage, error) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return nil, errorf(http.StatusBadRequest, CodeInvalidJSON, "empty body: expected an event object or an array of events")
	}
	switch b[0] {
	case '{':
		// Checked without a copy of the body (json.Valid); the error of
		// one that is not valid JSON is Unmarshal's, which says where.
		if !json.Valid(b) {
			var raw json.RawMessage
			return nil, jsonError(json.Unmarshal(b, &raw))
		}
		return []json.RawMessage{b}, nil
	case '[':
		var raws []json.RawMessage
		if err := json.Unmarshal(b, &raws); err != nil {
			return nil, jsonError(err)
		}
		if len(raws) == 0 {
			return nil, errorf(http.StatusBadRequest, CodeInvalidJSON, "an empty array: expected at least one event")
		}
		if len(raws) > s.cfg.MaxEvents {
			return nil, errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "%s in one request: at most %d",
				plural(len(raws), "event", "events"), s.cfg.MaxEvents).with("limit", s.cfg.MaxEvents)
		}
		for i, raw := range raws {
			if len(raw) == 0 || raw[0] != '{' {
				return nil, errorf(http.StatusBadRequest, CodeInvalidJSON, "[%d]: expected an event object", i).with("index", i)
			}
		}
		return raws, nil
	}
	return nil, errorf(http.StatusBadRequest, CodeInvalidJSON, "expected an event object or an array of events")
}

// eventError turns the engine's refusal of an event into a 422 naming the
// event (its index in the request, its id) and the field; index -1 takes
// the engine's own.
func eventError(index int, err error) error {
	var ee *engine.EventError
	if !errors.As(err, &ee) {
		return err
	}
	e := *ee
	if index >= 0 {
		e.Index = index
	}
	ae := errorf(http.StatusUnprocessableEntity, CodeInvalidEvent, "%s", e.Error()).with("index", e.Index)
	if e.ID != "" {
		ae.with("id", e.ID)
	}
	if e.Field != "" {
		ae.with("field", e.Field)
	}
	return ae
}
