package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// audited makes a change through the API and records it in the store's
// audit log, in one transaction (store.Audited): fn makes the change through
// tx and returns its target and the state before and after, read in the
// transaction; the entry names the key that made it and the action. A
// change that fails records nothing, and an entry that cannot be written
// undoes the change: the request fails. fn may be run again when the
// database asks for a retry.
func (s *Server) audited(ctx context.Context, q *request, action string, fn func(tx store.Store) (target string, before, after any, err error)) error {
	_, err := s.aud.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
		return s.auditEntry(q, action)(fn(tx))
	})
	return err
}

// auditEntry is the function that makes the entry of action by q's key
// from what a change returns.
func (s *Server) auditEntry(q *request, action string) func(target string, before, after any, err error) (store.AuditEntry, error) {
	return func(target string, before, after any, err error) (store.AuditEntry, error) {
		if err != nil {
			return store.AuditEntry{}, err
		}
		e := store.AuditEntry{At: s.now(), Actor: q.who.id, Action: action, Target: target}
		if e.Before, err = json.Marshal(before); err != nil {
			return store.AuditEntry{}, fmt.Errorf("audit entry of %s: %w", action, err)
		}
		if e.After, err = json.Marshal(after); err != nil {
			return store.AuditEntry{}, fmt.Errorf("audit entry of %s: %w", action, err)
		}
		return e, nil
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
