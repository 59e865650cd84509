package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

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
	r     *reader
	ckpt  *checkpointer // nil until the store is open
	turns *turns
}

// reader runs reads on connections of their own, which only read: in WAL
// mode they neither wait for the writer nor make it wait, and a query is a
// read transaction of its own.
type reader struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt // prepared on db, by query
}

// stmt is the statement of q prepared on the readers' pool.
func (r *reader) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st, ok := r.stmts[q]; ok {
		return st, nil
	}
	st, err := r.db.PrepareContext(ctx, positional(q))
	if err != nil {
		return nil, err
	}
	if len(r.stmts) < maxStmts {
		if r.stmts == nil {
			r.stmts = map[string]*sql.Stmt{}
		}
		r.stmts[q] = st
	}
	return st, nil
}

func (r *reader) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, st := range r.stmts {
		st.Close()
	}
	r.stmts = nil
	if r.db == nil {
		return nil
	}
	return r.db.Close()
}

type readExecer struct{ r *reader }

func (e readExecer) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return 0, errors.New("sqlite: a write among reads")
}

func (e readExecer) QueryRow(ctx context.Context, q string, args ...any) sqlcore.Row {
	st, err := e.r.stmt(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

func (e readExecer) Query(ctx context.Context, q string, args ...any) (sqlcore.Rows, error) {
	st, err := e.r.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// Read runs fn on the readers' connections once they are open (after the
// migrations), on the writer's before.
func (d dialect) Read(ctx context.Context, fn func(sqlcore.Execer) error) error {
	if d.r.db == nil {
		return d.Begin(ctx, fn)
	}
	return fn(readExecer{d.r})
}

// stmtCache keeps statements prepared on the database: preparing costs
// more than running the small statements of a reservation. The pool's one
// connection is busy while a transaction runs, so a statement first met in
// a transaction is only noted there, and prepared before the next
// transaction begins, under the dialect's lock. It holds at most maxStmts.
// It also keeps each query's text rewritten to positional parameters.
type stmtCache struct {
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	wanted map[string]bool
	text   map[string]string // query -> the text SQLite runs
}

const maxStmts = 128

// cacheable reports whether q is worth preparing once: not the statements
// that change the schema, which run once, nor the PRAGMAs but Turn's
// data_version, which every transaction of Apply reads (prepared each time,
// 4% of Apply's CPU in a call of three events), and whose value SQLite
// reads when the statement runs, not when it is prepared.
func cacheable(q string) bool {
	if q == dataVersion {
		return true
	}
	for _, p := range []string{"PRAGMA", "CREATE", "ALTER", "DROP"} {
		if strings.HasPrefix(q, p) {
			return false
		}
	}
	return true
}

// get is the prepared statement of q, or nil when it is not prepared yet.
func (c *stmtCache) get(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st
	}
	if len(c.m)+len(c.wanted) < maxStmts && cacheable(q) {
		if c.wanted == nil {
			c.wanted = map[string]bool{}
		}
		c.wanted[q] = true
	}
	return nil
}

// rewrite is the text of q that SQLite runs: see positional.
func (c *stmtCache) rewrite(q string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.text[q]; ok {
		return r
	}
	r := positional(q)
	if len(c.text) < 4*maxStmts {
		if c.text == nil {
			c.text = map[string]string{}
		}
		c.text[q] = r
	}
	return r
}

// positional rewrites the parameters $1, $2, ... $n of q to ? when each
// appears once, in order: the driver then binds them by position, where
// for numbered ones it looks each name up in a list as long as the
// statement's parameters (quadratic in a many-row INSERT). Otherwise q is
// returned as it is.
func positional(q string) string {
	var b strings.Builder
	next, quoted := 1, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '\'' {
			quoted = !quoted
		}
		if c != '$' || quoted || i+1 == len(q) || q[i+1] < '0' || q[i+1] > '9' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		n := 0
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			n = n*10 + int(q[j]-'0')
			j++
		}
		if n != next {
			return q
		}
		next++
		b.WriteByte('?')
		i = j - 1
	}
	return b.String()
}

// prepare prepares the statements noted since the last call; it runs
// outside transactions.
func (c *stmtCache) prepare(ctx context.Context, db *sql.DB) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q := range c.wanted {
		r, ok := c.text[q]
		if !ok {
			r = positional(q)
		}
		if st, err := db.PrepareContext(ctx, r); err == nil {
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
	return d.begin(ctx, fn, false, true)
}

// BeginKeeping implements sqlcore.Turns: Begin (BeginLazy when lazy), for
// a transaction that writes no state, not counted in Turn.
func (d dialect) BeginKeeping(ctx context.Context, lazy bool, fn func(sqlcore.Execer) error) error {
	return d.begin(ctx, fn, lazy, false)
}

// BeginLazy implements sqlcore.LazyBeginner: the transaction commits with
// synchronous=NORMAL, its frames in the WAL file not synced; the next
// commit at FULL syncs the file, and with it every frame before its own.
// NORMAL, not OFF: in WAL mode both commit without a sync, but the
// checkpoint a commit may run (wal_autocheckpoint: the WAL at walLimit)
// syncs the database file at NORMAL before it counts the frames copied;
// at OFF it did not, and the next transaction could start the WAL again
// over pages, committed at FULL before, that were on disk nowhere. The
// connection's setting is put back after the commit; if it cannot be,
// the connection is dropped (a new one is at FULL, SQLite's default).
func (d dialect) BeginLazy(ctx context.Context, fn func(sqlcore.Execer) error) error {
	return d.begin(ctx, fn, true, true)
}

// begin runs fn in a transaction on the writer's connection, lazy as
// BeginLazy's; counted says whether it counts in Turn.
func (d dialect) begin(ctx context.Context, fn func(sqlcore.Execer) error, lazy, counted bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stmts.prepare(ctx, d.db)
	if err := d.onConn(ctx, fn, lazy, counted); err != nil {
		return err
	}
	d.ckpt.committed(ctx, d.db)
	return nil
}

// onConn is begin's transaction, d.mu held, on the pool's one connection,
// given back before begin asks the checkpointer.
func (d dialect) onConn(ctx context.Context, fn func(sqlcore.Execer) error, lazy, counted bool) error {
	conn, err := d.db.Conn(ctx) // the writer's one connection
	if err != nil {
		return err
	}
	defer conn.Close()
	var id any
	conn.Raw(func(dc any) error {
		id = dc
		return nil
	})
	if lazy {
		var was int
		if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&was); err != nil {
			return err
		}
		if was >= 2 { // FULL or EXTRA: each commit syncs
			if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
				return err
			}
			defer func() {
				if _, err := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA synchronous = %d", was)); err != nil {
					conn.Raw(func(any) error { return driver.ErrBadConn })
				}
			}()
		}
	}
	if counted {
		d.turns.n++
	}
	committed := false
	defer func() {
		if !committed {
			// Not committed, or not known to be (an error, a panic): no
			// later transaction's Turn follows this one's.
			d.turns.n++
		}
	}()
	err = d.transact(ctx, conn, fn, sqlcore.Turn{Conn: id, Tx: d.turns.n})
	committed = err == nil
	return err
}

// transact runs fn in a transaction begun on conn, d.mu held: committed
// when fn returns nil, else rolled back, also when fn panics (a
// transaction left open would hold the one connection, and the write
// lock, for good). turn is the transaction's Turn but for Data, which
// Turn reads.
func (d dialect) transact(ctx context.Context, conn *sql.Conn, fn func(sqlcore.Execer) error, turn sqlcore.Turn) error {
	tx, err := beginImmediate(ctx, conn)
	if err != nil {
		return err
	}
	defer tx.Rollback() // after Commit: sql.ErrTxDone, nothing done
	if err := fn(execer{tx: tx, d: d, stmts: map[string]*sql.Stmt{}, turn: turn}); err != nil {
		return err
	}
	return tx.Commit()
}

// beginTries is how many times a write transaction's BEGIN IMMEDIATE is
// tried while another process holds the write lock, each waiting up to the
// connection's busy_timeout (10 s).
const beginTries = 6

// beginImmediate begins the writer's transaction (BEGIN IMMEDIATE: the
// DSN's _txlock). Within a process the writers take turns on the dialect's
// lock; across processes on one file SQLite's busy handler polls for the
// write lock, and a process can miss it at every poll for the whole
// busy_timeout while others take it in turn (4 processes of small
// transactions under the race detector did so). A BEGIN that found the
// lock taken did nothing, so it is tried again, up to beginTries times,
// before the error goes to the caller.
func beginImmediate(ctx context.Context, conn *sql.Conn) (*sql.Tx, error) {
	for try := 1; ; try++ {
		tx, err := conn.BeginTx(ctx, nil)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || try == beginTries || ctx.Err() != nil {
			return tx, err
		}
	}
}

// turns counts the writer's transactions that may write a state (see
// sqlcore.Turns), under the dialect's lock.
type turns struct{ n uint64 }

// Turn implements sqlcore.Turns. PRAGMA data_version changes exactly when
// another connection committed (its value is the connection's own, so the
// connection is part of the Turn): read in a transaction, which holds the
// write lock from BEGIN IMMEDIATE, it is where the transaction found the
// database.
func (d dialect) Turn(ctx context.Context, ex sqlcore.Execer) (sqlcore.Turn, error) {
	e, ok := ex.(execer)
	if !ok {
		return sqlcore.Turn{}, errors.New("sqlite: Turn outside the writer's transaction")
	}
	t := e.turn
	if err := e.QueryRow(ctx, dataVersion).Scan(&t.Data); err != nil {
		return sqlcore.Turn{}, err
	}
	return t, nil
}

// dataVersion is Turn's query.
const dataVersion = "PRAGMA data_version"

// LockLog does nothing: the write lock is held from BEGIN.
func (dialect) LockLog(context.Context, sqlcore.Execer) error { return nil }

func (dialect) NoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Tuples passes the rows as one JSON array of arrays, read by jsonb_each:
// the statement is the same whatever the number of rows, and SQLite's
// limit on parameters does not apply. JSON holds only valid UTF-8: when a
// string is not, every string is passed in hexadecimal and unhexed, so
// that keys match byte for byte.
func (dialect) Tuples(cols ...[]string) (string, []any) {
	n := 0
	if len(cols) > 0 {
		n = len(cols[0])
	}
	valid := true
	for _, col := range cols {
		for _, v := range col {
			valid = valid && utf8.ValidString(v)
		}
	}
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = make([]string, len(cols))
		for c := range cols {
			if valid {
				rows[i][c] = cols[c][i]
			} else {
				rows[i][c] = hex.EncodeToString([]byte(cols[c][i]))
			}
		}
	}
	j, err := json.Marshal(rows)
	if err != nil {
		panic(err) // strings always marshal
	}
	var q strings.Builder
	q.WriteString("(SELECT key AS i")
	for c := range cols {
		if valid {
			fmt.Fprintf(&q, ", json_extract(value, '$[%d]') AS c%d", c, c+1)
		} else {
			fmt.Fprintf(&q, ", CAST(unhex(json_extract(value, '$[%d]')) AS TEXT) AS c%d", c, c+1)
		}
	}
	q.WriteString(" FROM jsonb_each($1)) q")
	return q.String(), []any{string(j)}
}

// ForUpdate is empty: BEGIN IMMEDIATE holds the database's write lock.
func (dialect) ForUpdate(string) string { return "" }

// EventOrder is SQLite's rowid: events are never deleted, so it increases.
func (dialect) EventOrder() string { return "rowid" }

type execer struct {
	tx    *sql.Tx
	d     dialect
	stmts map[string]*sql.Stmt // the cached statements bound to tx
	turn  sqlcore.Turn         // but for Data (see Turn)
}

// stmt is the prepared statement of q in the transaction, or nil.
func (e execer) stmt(ctx context.Context, q string) *sql.Stmt {
	if st, ok := e.stmts[q]; ok {
		return st
	}
	if st := e.d.stmts.get(q); st != nil {
		st = e.tx.StmtContext(ctx, st)
		e.stmts[q] = st
		return st
	}
	return nil
}

func (e execer) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	var r sql.Result
	var err error
	if st := e.stmt(ctx, q); st != nil {
		r, err = st.ExecContext(ctx, args...)
	} else {
		r, err = e.tx.ExecContext(ctx, e.d.stmts.rewrite(q), args...)
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
	return e.tx.QueryRowContext(ctx, e.d.stmts.rewrite(q), args...)
}

func (e execer) Query(ctx context.Context, q string, args ...any) (sqlcore.Rows, error) {
	if st := e.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return e.tx.QueryContext(ctx, e.d.stmts.rewrite(q), args...)
}

// PartFails implements sqlcore.PartFailer: the batch path's INSERTs are
// INSERT OR FAIL, which needs no statement journal.
func (execer) PartFails() {}

// OneWriter is true: BEGIN IMMEDIATE takes the database's write lock.
func (dialect) OneWriter() bool { return true }

// OutboxInLog implements sqlcore.OutboxInLog: the outbox is the outcome
// log above a low-water mark, less the outcomes marked delivered
// (migration 0025 drops the outbox's table), which the one writer may do.
func (dialect) OutboxInLog() {}

// KeysInLog implements sqlcore.KeysInLog: the idempotency keys are read
// from the outcome log (migration 0022 drops their table), which the one
// writer may do.
func (dialect) KeysInLog() {}
