package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// audit records a change made through the API in the store's audit log:
// the key that made it, the action, its target and the state before and
// after. The change is stored already (in a transaction of its own): a
// failure to record it is logged as an error, and the request still
// succeeds.
func (s *Server) audit(ctx context.Context, q *request, action, target string, before, after any) {
	e := store.AuditEntry{At: s.now(), Actor: q.who.id, Action: action, Target: target}
	var err error
	if e.Before, err = json.Marshal(before); err == nil {
		e.After, err = json.Marshal(after)
	}
	if err == nil {
		_, err = s.st.AppendAudit(ctx, e)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "audit log: a change is not recorded", slog.String("action", action), slog.String("target", target),
			slog.String("key", q.who.id), slog.String("error", err.Error()))
	}
}

// auditEntry is an entry of the audit log as the API shows it.
type auditEntry struct {
	Seq    int64           `json:"seq"`
	At     time.Time       `json:"at"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"`
	Target string          `json:"target"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// getAudit reads the audit log after a sequence number.
func (s *Server) getAudit(ctx context.Context, q *request) (int, any, error) {
	after, limit, err := page(q)
	if err != nil {
		return 0, nil, err
	}
	rows, err := s.st.AuditLog(ctx, after, limit)
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Entries []auditEntry `json:"entries"`
		Next    int64        `json:"next"`
	}{Entries: []auditEntry{}, Next: after}
	for _, e := range rows {
		out.Entries = append(out.Entries, auditEntry{Seq: e.Seq, At: e.At.UTC(), Actor: e.Actor, Action: e.Action, Target: e.Target,
			Before: e.Before, After: e.After})
		out.Next = e.Seq
	}
	return http.StatusOK, out, nil
}
