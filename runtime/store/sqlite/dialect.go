package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"sync"

	"github.com/promoc/promoc/runtime/store/internal/sqlcore"
)

// dialect runs transactions one at a time on one connection: SQLite has
// one writer, and BEGIN IMMEDIATE (the _txlock of the DSN) takes the
// write lock at once, so two processes on one file wait for each other
// (busy_timeout) instead of failing halfway.
type dialect struct {
	mu    *sync.Mutex // held for a whole transaction, and while preparing
	db    *sql.DB     // one connection
	stmts *stmtCache
}

// stmtCache keeps statements prepared on the database: preparing costs
// more than running the small statements of a reservation. The pool's one
// connection is busy while a transaction runs, so a statement first met in
// a transaction is only noted there, and prepared before the next
// transaction begins, under the dialect's lock. It holds at most maxStmts.
type stmtCache struct {
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	wanted map[string]bool
}

const maxStmts = 128

// get is the prepared statement of q, or nil when it is not prepared yet.
func (c *stmtCache) get(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st
	}
	if len(c.m)+len(c.wanted) < maxStmts {
		if c.wanted == nil {
			c.wanted = map[string]bool{}
		}
		c.wanted[q] = true
	}
	return nil
}

// prepare prepares the statements noted since the last call; it runs
// outside transactions.
func (c *stmtCache) prepare(ctx context.Context, db *sql.DB) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q := range c.wanted {
		if st, err := db.PrepareContext(ctx, q); err == nil {
			if c.m == nil {
				c.m = map[string]*sql.Stmt{}
			}
			c.m[q] = st
		}
	}
	c.wanted = nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

func (d dialect) Begin(ctx context.Context, fn func(sqlcore.Execer) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stmts.prepare(ctx, d.db)
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(execer{tx: tx, d: d}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// LockLog does nothing: the write lock is held from BEGIN.
func (dialect) LockLog(context.Context, sqlcore.Execer) error { return nil }

func (dialect) NoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Pairs passes the pairs as one JSON array of arrays, read by json_each:
// the statement is the same whatever the number of pairs, and SQLite's
// limit on parameters does not apply.
func (dialect) Pairs(a, b []string) (string, []any) {
	pairs := make([][2]string, len(a))
	for i := range a {
		pairs[i] = [2]string{a[i], b[i]}
	}
	j, err := json.Marshal(pairs)
	if err != nil {
		panic(err) // strings always marshal
	}
	return `(SELECT key AS i, json_extract(value, '$[0]') AS a, json_extract(value, '$[1]') AS b FROM json_each($1)) q`, []any{string(j)}
}

// EventOrder is SQLite's rowid: events are never deleted, so it increases.
func (dialect) EventOrder() string { return "rowid" }

type execer struct {
	tx *sql.Tx
	d  dialect
}

// stmt is the prepared statement of q in the transaction, or nil.
func (e execer) stmt(ctx context.Context, q string) *sql.Stmt {
	if !strings.Contains(q, "$1") {
		return nil
	}
	if st := e.d.stmts.get(q); st != nil {
		return e.tx.StmtContext(ctx, st)
	}
	return nil
}

func (e execer) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	var r sql.Result
	var err error
	if st := e.stmt(ctx, q); st != nil {
		r, err = st.ExecContext(ctx, args...)
	} else {
		r, err = e.tx.ExecContext(ctx, q, args...)
	}
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

func (e execer) QueryRow(ctx context.Context, q string, args ...any) sqlcore.Row {
	if st := e.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return e.tx.QueryRowContext(ctx, q, args...)
}

func (e execer) Query(ctx context.Context, q string, args ...any) (sqlcore.Rows, error) {
	if st := e.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return e.tx.QueryContext(ctx, q, args...)
}
