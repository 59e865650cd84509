package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// getApprovals lists the results waiting for approval, oldest first, as a
// feed.
func (s *Server) getApprovals(ctx context.Context, q *request) (int, any, error) {
	after, limit, err := page(q)
	if err != nil {
		return 0, nil, err
	}
	rows, err := s.st.Waiting(ctx, after, limit)
	if err != nil {
		return 0, nil, err
	}
	f, err := feedOf(rows, after)
	return http.StatusOK, f, err
}

// decision is the body of approve and reject.
type decision struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

// parseKey reads rule/action/player/trigger hash, as outcomes carry it in
// "key". Rule and action names and trigger hashes have no slash; a
// player id may.
func parseKey(s string) (store.Key, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 4 {
		return store.Key{}, errorf(http.StatusBadRequest, CodeInvalidParameter, "key %q: expected rule/action/player/trigger hash, as an outcome's key", s).with("field", "key")
	}
	k := store.Key{Rule: parts[0], Action: parts[1], Player: strings.Join(parts[2:len(parts)-1], "/"), TriggerHash: parts[len(parts)-1]}
	if k.Rule == "" || k.Action == "" || k.Player == "" || k.TriggerHash == "" {
		return store.Key{}, errorf(http.StatusBadRequest, CodeInvalidParameter, "key %q: a part is empty: expected rule/action/player/trigger hash", s).with("field", "key")
	}
	return k, nil
}

func (s *Server) postApprove(ctx context.Context, q *request) (int, any, error) {
	return s.decide(ctx, q, true)
}

func (s *Server) postReject(ctx context.Context, q *request) (int, any, error) {
	return s.decide(ctx, q, false)
}

// decide approves or rejects one waiting result and answers with the
// outcome logged.
func (s *Server) decide(ctx context.Context, q *request, approve bool) (int, any, error) {
	var d decision
	if err := decodeBody(q.body, &d); err != nil {
		return 0, nil, err
	}
	if d.Key == "" {
		return 0, nil, errorf(http.StatusBadRequest, CodeInvalidParameter, "key: missing: the key of the waiting result, as GET /v1/approvals lists it").with("field", "key")
	}
	key, err := parseKey(d.Key)
	if err != nil {
		return 0, nil, err
	}
	if approve && d.Reason != "" {
		return 0, nil, errorf(http.StatusBadRequest, CodeInvalidParameter, "reason: an approval takes none").with("field", "reason")
	}
	if !approve && d.Reason == "" {
		d.Reason = "operator"
	}
	action := "approval.approve"
	if !approve {
		action = "approval.reject"
	}
	// What is due by now fires first, as the scheduler's next round would:
	// a result whose approval timeout has come is rejected with reason
	// timed-out, not decided (engine/expire.go).
	s.advance(ctx)
	var out engine.Outcome
	err = s.audited(ctx, q, action, func(tx store.Store) (string, any, any, error) {
		var o store.Outcome
		var err error
		if approve {
			o, err = tx.Approve(ctx, key, s.now())
		} else {
			o, err = tx.Reject(ctx, key, d.Reason, s.now())
		}
		if err != nil {
			return "", nil, nil, err
		}
		out, err = engine.OutcomeOf(o)
		return d.Key, map[string]string{"key": d.Key, "status": "waiting"}, out, err
	})
	if errors.Is(err, store.ErrTimedOut) {
		return 0, nil, errorf(http.StatusConflict, CodeNotWaiting, "%s: the result timed out waiting for approval (rejected, reason timed-out) and can no longer be decided", d.Key).with("key", d.Key)
	}
	if errors.Is(err, store.ErrNotWaiting) {
		return 0, nil, errorf(http.StatusConflict, CodeNotWaiting, "%s: no result waits for approval (unknown, or decided already)", d.Key).with("key", d.Key)
	}
	if err != nil {
		return 0, nil, err
	}
	s.met.logged(out)
	s.hooks.notify()
	return http.StatusOK, out, nil
}

// postRecalculate evaluates every waiting result again with the running
// rules and answers with the outcomes logged.
func (s *Server) postRecalculate(ctx context.Context, q *request) (int, any, error) {
	if err := decodeBody(q.body, &struct{}{}); err != nil {
		return 0, nil, err
	}
	at := s.now()
	cur, done := s.use()
	defer done()
	outs, err := cur.eng.RecalculateIn(ctx, at, func(write func(store.Store) ([]engine.Outcome, error)) error {
		_, err := s.aud.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
			outs, err := write(tx)
			if outs == nil {
				outs = []engine.Outcome{}
			}
			return s.auditEntry(q, "approval.recalculate")("approvals", nil, outs, err)
		})
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	if outs == nil {
		outs = []engine.Outcome{}
	}
	s.met.logged(outs...)
	s.hooks.notify()
	return http.StatusOK, struct {
		Outcomes []engine.Outcome `json:"outcomes"`
	}{outs}, nil
}
