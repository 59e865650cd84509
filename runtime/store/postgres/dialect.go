package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/promoc/promoc/runtime/store/internal/sqlcore"
)

// dialect runs transactions at READ COMMITTED: the conditional UPDATE of a
// budget row is re-evaluated on the newest row version after a concurrent
// writer commits, so it needs no stronger isolation. A deadlock (two
// batches taking rows in other orders) or a serialization failure rolls the
// transaction back, and it is run again, up to maxAttempts times.
type dialect struct{ pool *pgxpool.Pool }

const maxAttempts = 8

func (d dialect) Begin(ctx context.Context, fn func(sqlcore.Execer) error) error {
	var err error
	for range maxAttempts {
		err = pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
			ex := &execer{tx: tx}
			if err := fn(ex); err != nil {
				ex.queue = nil
				return err
			}
			return ex.Flush(ctx) // what is queued is sent before the commit
		})
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || (pe.Code != "40P01" && pe.Code != "40001") {
			return err
		}
	}
	return err
}

// BeginLazy implements sqlcore.LazyBeginner: Begin with
// synchronous_commit off for the transaction, whose commit does not wait
// for the WAL to be flushed; the next commit that waits flushes the WAL
// up to its own record, and so this one's too.
func (d dialect) BeginLazy(ctx context.Context, fn func(sqlcore.Execer) error) error {
	return d.Begin(ctx, func(ex sqlcore.Execer) error {
		if _, err := ex.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
			return err
		}
		return fn(ex)
	})
}

// Read runs fn's statements on the pool, each a transaction of its own:
// one round trip a query, instead of three.
func (d dialect) Read(ctx context.Context, fn func(sqlcore.Execer) error) error {
	return fn(poolExecer{d.pool})
}

// poolExecer runs statements on the pool, outside transactions.
type poolExecer struct{ pool *pgxpool.Pool }

func (e poolExecer) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	t, err := e.pool.Exec(ctx, q, args...)
	return t.RowsAffected(), err
}

func (e poolExecer) QueryRow(ctx context.Context, q string, args ...any) sqlcore.Row {
	return e.pool.QueryRow(ctx, q, args...)
}

func (e poolExecer) Query(ctx context.Context, q string, args ...any) (sqlcore.Rows, error) {
	r, err := e.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rows{r}, nil
}

// logLock is the advisory lock that orders the appends to the outcome log.
const logLock = 0x70726f6d00000002

// LockLog takes a lock held until commit, so that outcomes get their
// sequence numbers in commit order and a reader of the feed never sees a
// gap filled later. Appending is the last step of a transaction, so the
// lock is held for little more than the commit.
// The lock is queued: it goes to the server with the query that reads the
// last sequence number, in one round trip, and is taken before that query
// runs.
func (dialect) LockLog(ctx context.Context, ex sqlcore.Execer) error {
	if q, ok := ex.(sqlcore.Queuer); ok {
		q.Queue("SELECT pg_advisory_xact_lock($1)", []any{int64(logLock)}, nil)
		return nil
	}
	_, err := ex.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(logLock))
	return err
}

func (dialect) NoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// Tuples passes each column as a text array, unnested side by side.
func (dialect) Tuples(cols ...[]string) (string, []any) {
	var q strings.Builder
	args := make([]any, len(cols))
	q.WriteString("(SELECT u.i - 1 AS i")
	for c := range cols {
		fmt.Fprintf(&q, ", u.c%d", c+1)
		args[c] = cols[c]
	}
	q.WriteString(" FROM unnest(")
	for c := range cols {
		if c > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "$%d::text[]", c+1)
	}
	q.WriteString(") WITH ORDINALITY AS u(")
	for c := range cols {
		fmt.Fprintf(&q, "c%d, ", c+1)
	}
	q.WriteString("i)) q")
	return q.String(), args
}

// ForUpdate locks the rows read: another transaction that would change
// them waits until this one ends.
func (dialect) ForUpdate(t string) string { return " FOR UPDATE OF " + t }

// EventOrder is the identity column rec.
func (dialect) EventOrder() string { return "rec" }

// execer runs statements in a transaction. It is a [sqlcore.Queuer]:
// statements queued are sent together, in one round trip (pgx's batch,
// PostgreSQL's pipeline), before the next statement run, or at Flush.
type execer struct {
	tx    pgx.Tx
	queue []queued
}

type queued struct {
	q     string
	args  []any
	check func(int64, error) error
}

func (e *execer) Queue(q string, args []any, check func(int64, error) error) {
	e.queue = append(e.queue, queued{q, args, check})
}

// Duplicate implements sqlcore.Deduper: a unique violation.
func (*execer) Duplicate(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// Flush sends the statements queued and checks their row counts, in order:
// the first error is returned (the server does not run the statements after
// one that fails).
func (e *execer) Flush(ctx context.Context) error {
	switch len(e.queue) {
	case 0:
		return nil
	case 1:
		q := e.queue[0]
		e.queue = e.queue[:0]
		t, err := e.tx.Exec(ctx, q.q, q.args...)
		if q.check != nil {
			err = q.check(t.RowsAffected(), err)
		}
		return err
	}
	var b pgx.Batch
	for _, q := range e.queue {
		b.Queue(q.q, q.args...)
	}
	qs := e.queue
	e.queue = e.queue[:0]
	br := e.tx.SendBatch(ctx, &b)
	var first error
	for _, q := range qs {
		t, err := br.Exec()
		if q.check != nil {
			err = q.check(t.RowsAffected(), err)
		}
		if first == nil {
			first = err
		}
	}
	if err := br.Close(); first == nil {
		first = err
	}
	return first
}

func (e *execer) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	if err := e.Flush(ctx); err != nil {
		return 0, err
	}
	t, err := e.tx.Exec(ctx, q, args...)
	return t.RowsAffected(), err
}

func (e *execer) QueryRow(ctx context.Context, q string, args ...any) sqlcore.Row {
	if err := e.Flush(ctx); err != nil {
		return errRow{err}
	}
	return e.tx.QueryRow(ctx, q, args...)
}

// errRow is the row of a query not sent: a queued statement before it
// failed.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (e *execer) Query(ctx context.Context, q string, args ...any) (sqlcore.Rows, error) {
	if err := e.Flush(ctx); err != nil {
		return nil, err
	}
	r, err := e.tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rows{r}, nil
}

type rows struct{ pgx.Rows }

func (r rows) Close() error {
	r.Rows.Close()
	return nil
}

// OneWriter is false: transactions of several processes write at once.
func (dialect) OneWriter() bool { return false }

// UpdateStates implements sqlcore.StateWriter: one statement for any
// number of states, each column an array.
func (dialect) UpdateStates(players, rules []string, from, to []int64, data [][]byte) (string, []any) {
	return `UPDATE rule_state s SET version = u.version, data = u.data
		FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bytea[]) AS u(player, rule, was, version, data)
		WHERE s.player = u.player AND s.rule = u.rule AND s.version = u.was`, []any{players, rules, from, to, data}
}
