package sqlcore

import (
	"context"
	"fmt"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// AddKey implements store.Store.
func (s *Store) AddKey(ctx context.Context, k store.APIKey) error {
	if k.ID == "" || len(k.Hash) == 0 || k.Role == "" {
		return fmt.Errorf("API key: id, hash and role are required")
	}
	return s.D.Begin(ctx, func(ex Execer) error {
		_, err := ex.Exec(ctx, `INSERT INTO api_keys (hash, id, role, name, created_ns, revoked_ns) VALUES ($1, $2, $3, $4, $5, $6)`,
			k.Hash, k.ID, k.Role, k.Name, nanos(k.Created), nanos(k.Revoked))
		return err
	})
}

func (s *Store) keys(ctx context.Context, q string, args ...any) ([]store.APIKey, error) {
	var out []store.APIKey
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		var k store.APIKey
		var created, revoked int64
		if err := r.Scan(&k.Hash, &k.ID, &k.Role, &k.Name, &created, &revoked); err != nil {
			return err
		}
		k.Created, k.Revoked = fromNanos(created), fromNanos(revoked)
		out = append(out, k)
		return nil
	}, q, args...)
	return out, err
}

// KeyByHash implements store.Store.
func (s *Store) KeyByHash(ctx context.Context, hash []byte) (store.APIKey, bool, error) {
	ks, err := s.keys(ctx, `SELECT hash, id, role, name, created_ns, revoked_ns FROM api_keys WHERE hash = $1`, hash)
	if err != nil || len(ks) == 0 {
		return store.APIKey{}, false, err
	}
	return ks[0], true, nil
}

// Keys implements store.Store.
func (s *Store) Keys(ctx context.Context) ([]store.APIKey, error) {
	return s.keys(ctx, `SELECT hash, id, role, name, created_ns, revoked_ns FROM api_keys ORDER BY id`)
}

// RevokeKey implements store.Store.
func (s *Store) RevokeKey(ctx context.Context, id string, at time.Time) error {
	return s.D.Begin(ctx, func(ex Execer) error {
		var revoked int64
		if err := ex.QueryRow(ctx, `SELECT revoked_ns FROM api_keys WHERE id = $1`, id).Scan(&revoked); err != nil {
			if s.D.NoRows(err) {
				return fmt.Errorf("%q: %w", id, store.ErrNoKey)
			}
			return err
		}
		if revoked != 0 {
			return nil
		}
		_, err := ex.Exec(ctx, `UPDATE api_keys SET revoked_ns = $2 WHERE id = $1`, id, max(nanos(at), 1))
		return err
	})
}

// StartRequest implements store.Store.
func (s *Store) StartRequest(ctx context.Context, r store.Request, staleBefore time.Time) (store.Request, bool, error) {
	var got store.Request
	var started bool
	err := s.beginKeeping(ctx, func(ex Execer) error {
		var err error
		got, started, err = startRequest(ctx, ex, r, staleBefore)
		return err
	})
	return got, started, err
}

// startRequest is StartRequest in the transaction of ex.
func startRequest(ctx context.Context, ex Execer, r store.Request, staleBefore time.Time) (store.Request, bool, error) {
	got := r
	got.Started, got.Status, got.Response = fromNanos(nanos(r.Started)), 0, nil
	n, err := ex.Exec(ctx, `INSERT INTO requests (scope, idem_key, fingerprint, started_ns) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, r.Scope, r.Key, nonNil(r.Fingerprint), nanos(r.Started))
	if err != nil || n == 1 {
		return got, true, err
	}
	n, err = ex.Exec(ctx, `UPDATE requests SET fingerprint = $3, started_ns = $4
		WHERE scope = $1 AND idem_key = $2 AND status = 0 AND started_ns < $5`,
		r.Scope, r.Key, nonNil(r.Fingerprint), nanos(r.Started), nanos(staleBefore))
	if err != nil || n == 1 {
		return got, true, err
	}
	got = store.Request{Scope: r.Scope, Key: r.Key}
	var st, status int64
	err = ex.QueryRow(ctx, `SELECT fingerprint, started_ns, status, response FROM requests WHERE scope = $1 AND idem_key = $2`,
		r.Scope, r.Key).Scan(&got.Fingerprint, &st, &status, &got.Response)
	got.Started, got.Status = fromNanos(st), int(status)
	return got, false, err
}

// FinishRequest implements store.Store.
func (s *Store) FinishRequest(ctx context.Context, scope, key string, status int, response []byte) error {
	return s.beginKeeping(ctx, func(ex Execer) error {
		return finishRequest(ctx, ex, scope, key, status, response)
	})
}

// finishRequest is FinishRequest in the transaction of ex.
func finishRequest(ctx context.Context, ex Execer, scope, key string, status int, response []byte) error {
	_, err := ex.Exec(ctx, `UPDATE requests SET status = $3, response = $4 WHERE scope = $1 AND idem_key = $2 AND status = 0`,
		scope, key, status, nonNil(response))
	return err
}

// DropRequest implements store.Store.
func (s *Store) DropRequest(ctx context.Context, scope, key string) error {
	return s.D.Begin(ctx, func(ex Execer) error {
		_, err := ex.Exec(ctx, `DELETE FROM requests WHERE scope = $1 AND idem_key = $2 AND status = 0`, scope, key)
		return err
	})
}

// PruneRequests implements store.Store.
func (s *Store) PruneRequests(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.D.Begin(ctx, func(ex Execer) error {
		var err error
		n, err = ex.Exec(ctx, `DELETE FROM requests WHERE started_ns < $1`, nanos(before))
		return err
	})
	return n, err
}

// AppendAudit implements store.Store.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (int64, error) {
	var seq int64
	err := s.D.Begin(ctx, func(ex Execer) error {
		var err error
		seq, err = appendAudit(ctx, ex, e)
		return err
	})
	return seq, err
}

func appendAudit(ctx context.Context, ex Execer, e store.AuditEntry) (int64, error) {
	if e.Actor == "" || e.Action == "" {
		return 0, fmt.Errorf("audit entry: actor and action are required")
	}
	var seq int64
	err := ex.QueryRow(ctx, `INSERT INTO audit_log (at_ns, actor, action, target, before, after) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq`,
		nanos(e.At), e.Actor, e.Action, e.Target, nonNull(e.Before), nonNull(e.After)).Scan(&seq)
	return seq, err
}

func nonNull(b []byte) []byte {
	if len(b) == 0 {
		return []byte("null")
	}
	return b
}

// AuditLog implements store.Store.
func (s *Store) AuditLog(ctx context.Context, after int64, limit int) ([]store.AuditEntry, error) {
	var out []store.AuditEntry
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		var e store.AuditEntry
		var at int64
		if err := r.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Target, &e.Before, &e.After); err != nil {
			return err
		}
		e.At = fromNanos(at)
		out = append(out, e)
		return nil
	}, `SELECT seq, at_ns, actor, action, target, before, after FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	return out, err
}
