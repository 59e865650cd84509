package sqlcore

import (
	"context"
	"errors"

	"github.com/promoc/promoc/runtime/store"
)

// WithAudit implements store.Audited: fn runs on a Store whose dialect
// runs every method in the one transaction, then the entry is appended in
// it too.
func (s *Store) WithAudit(ctx context.Context, fn func(tx store.Store) (store.AuditEntry, error)) (int64, error) {
	var seq int64
	err := s.D.Begin(ctx, func(ex Execer) error {
		tx := &txStore{Store{D: txDialect{Dialect: s.D, ex: ex}}}
		e, err := fn(tx)
		if err != nil {
			return err
		}
		seq, err = appendAudit(ctx, ex, e)
		return err
	})
	if err != nil {
		return 0, err
	}
	return seq, nil
}

// txStore is the store.Store of WithAudit's transaction.
type txStore struct{ Store }

var _ store.Store = (*txStore)(nil)

// Close implements store.Store: the transaction is not the store's to
// close.
func (*txStore) Close() error {
	return errors.New("store: Close inside WithAudit: the transaction ends when its function returns")
}

// txDialect runs everything in the transaction of ex. What a method would
// run as a transaction of its own runs as a savepoint in it, so that a
// method that fails (or that tries again another way, as Apply does after
// a race) undoes its own writes and leaves the rest of the transaction
// usable; reads are run in the transaction, so that they see its writes.
type txDialect struct {
	Dialect
	ex Execer
}

func (d txDialect) Begin(ctx context.Context, fn func(Execer) error) error {
	if _, err := d.ex.Exec(ctx, "SAVEPOINT audited"); err != nil {
		return err
	}
	if err := fn(d.ex); err != nil {
		if _, rerr := d.ex.Exec(ctx, "ROLLBACK TO SAVEPOINT audited"); rerr != nil {
			return errors.Join(err, rerr)
		}
		if _, rerr := d.ex.Exec(ctx, "RELEASE SAVEPOINT audited"); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err := d.ex.Exec(ctx, "RELEASE SAVEPOINT audited")
	return err
}

func (d txDialect) Read(ctx context.Context, fn func(Execer) error) error { return fn(d.ex) }
