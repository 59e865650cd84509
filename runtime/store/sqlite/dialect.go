package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/promoc/promoc/runtime/store/internal/sqlcore"
)

// dialect runs transactions on the one connection of the pool: SQLite has
// one writer, and BEGIN IMMEDIATE (the _txlock of the DSN) takes the
// write lock at once, so two processes on one file wait for each other
// (busy_timeout) instead of failing halfway.
type dialect struct{ db *sql.DB }

func (d dialect) Begin(ctx context.Context, fn func(sqlcore.Execer) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(execer{tx}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// LockLog does nothing: the write lock is held from BEGIN.
func (dialect) LockLog(context.Context, sqlcore.Execer) error { return nil }

func (dialect) NoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

type execer struct{ tx *sql.Tx }

func (e execer) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	r, err := e.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

func (e execer) QueryRow(ctx context.Context, q string, args ...any) sqlcore.Row {
	return e.tx.QueryRowContext(ctx, q, args...)
}

func (e execer) Query(ctx context.Context, q string, args ...any) (sqlcore.Rows, error) {
	return e.tx.QueryContext(ctx, q, args...)
}
