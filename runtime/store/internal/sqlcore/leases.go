package sqlcore

import (
	"context"
	"fmt"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// Acquire implements store.Leases: one conditional upsert. The row is
// taken when it is missing, expired, or already the holder's; the token
// moves on when the holder changes or the lease had lapsed.
func (s *Store) Acquire(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (store.Lease, bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return store.Lease{}, false, fmt.Errorf("lease %q for %q, %s: a name, a holder and a positive length are required", name, holder, ttl)
	}
	if now.IsZero() || !storable(now) || !storable(now.Add(ttl)) {
		return store.Lease{}, false, fmt.Errorf("lease %q: time %s out of range", name, now)
	}
	exp := nanos(now.Add(ttl))
	var l store.Lease
	ok := false
	err := s.beginKeeping(ctx, func(ex Execer) error {
		var token, e int64
		err := ex.QueryRow(ctx, `INSERT INTO leases (name, holder, token, expires_ns) VALUES ($1, $2, 1, $3)
			ON CONFLICT (name) DO UPDATE SET
				token = CASE WHEN leases.holder = $2 AND leases.expires_ns > $4 THEN leases.token ELSE leases.token + 1 END,
				holder = $2, expires_ns = $3
			WHERE leases.holder = $2 OR leases.expires_ns <= $4
			RETURNING token, expires_ns`, name, holder, exp, nanos(now)).Scan(&token, &e)
		if err == nil {
			l, ok = store.Lease{Name: name, Holder: holder, Token: token, Expires: fromNanos(e)}, true
			return nil
		}
		if !s.D.NoRows(err) {
			return err
		}
		l, err = leaseIn(ctx, ex, name)
		return err
	})
	return l, ok, err
}

func leaseIn(ctx context.Context, ex Execer, name string) (store.Lease, error) {
	l := store.Lease{Name: name}
	var e int64
	err := ex.QueryRow(ctx, `SELECT holder, token, expires_ns FROM leases WHERE name = $1`, name).Scan(&l.Holder, &l.Token, &e)
	l.Expires = fromNanos(e)
	return l, err
}

// Renew implements store.Leases.
func (s *Store) Renew(ctx context.Context, l store.Lease, now time.Time, ttl time.Duration) (store.Lease, bool, error) {
	if ttl <= 0 || now.IsZero() || !storable(now) || !storable(now.Add(ttl)) {
		return l, false, fmt.Errorf("lease %q: renewed at %s for %s: out of range", l.Name, now, ttl)
	}
	var n int64
	exp := nanos(now.Add(ttl))
	err := s.beginKeeping(ctx, func(ex Execer) error {
		var err error
		n, err = ex.Exec(ctx, `UPDATE leases SET expires_ns = $4 WHERE name = $1 AND holder = $2 AND token = $3 AND expires_ns > 0`,
			l.Name, l.Holder, l.Token, exp)
		return err
	})
	if err != nil || n == 0 {
		return l, false, err
	}
	l.Expires = fromNanos(exp)
	return l, true, nil
}

// Release implements store.Leases: the row stays, expired, so that its
// token goes on counting.
func (s *Store) Release(ctx context.Context, l store.Lease) error {
	return s.beginKeeping(ctx, func(ex Execer) error {
		_, err := ex.Exec(ctx, `UPDATE leases SET expires_ns = 0 WHERE name = $1 AND holder = $2 AND token = $3`, l.Name, l.Holder, l.Token)
		return err
	})
}

// LeaseOf implements store.Leases.
func (s *Store) LeaseOf(ctx context.Context, name string) (store.Lease, bool, error) {
	var l store.Lease
	err := s.D.Read(ctx, func(ex Execer) error {
		var err error
		l, err = leaseIn(ctx, ex, name)
		return err
	})
	if s.D.NoRows(err) {
		return store.Lease{Name: name}, false, nil
	}
	return l, err == nil, err
}
