package sqlcore

import (
	"context"
	"strings"
)

// Execer runs SQL in one transaction. The SQL of this package is written
// once, with $1 placeholders, which both SQLite and PostgreSQL accept.
type Execer interface {
	Exec(ctx context.Context, query string, args ...any) (rowsAffected int64, err error)
	QueryRow(ctx context.Context, query string, args ...any) Row
	Query(ctx context.Context, query string, args ...any) (Rows, error)
}

// Row is one row of a query; Scan returns ErrNoRows (the driver's own,
// recognised by Dialect.NoRows) when there is none.
type Row interface{ Scan(dest ...any) error }

// Rows are the rows of a query.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Dialect is what differs between the databases.
type Dialect interface {
	// Begin runs fn in one transaction, retrying it when the database
	// reports a serialization failure or a deadlock.
	Begin(ctx context.Context, fn func(Execer) error) error
	// Read runs fn's queries, each one statement that reads, outside any
	// write transaction: each sees what was committed when it began, and
	// none waits for a writer.
	Read(ctx context.Context, fn func(Execer) error) error
	// LockLog serializes the end of transactions that append to the
	// outcome log, so that sequence numbers are in commit order.
	LockLog(ctx context.Context, ex Execer) error
	// NoRows reports whether err says a query returned no row.
	NoRows(err error) bool
	// Tuples is a FROM item, aliased q, of one row (i, c1, ..., cN) per
	// index i of the columns cols (each as long, N of them), i counted from
	// 0, with the arguments it takes, numbered from $1: one statement text
	// for any number of rows.
	Tuples(cols ...[]string) (from string, args []any)
	// ForUpdate is the clause that locks the rows of table alias t that a
	// SELECT reads until the transaction ends ("" when the transaction
	// already holds the only write lock).
	ForUpdate(t string) string
	// OneWriter reports that a transaction, once begun, is the only one
	// writing until it ends (SQLite's BEGIN IMMEDIATE): what it reads stays
	// true until it writes.
	OneWriter() bool
	// EventOrder is the column of events_seen that increases in the order
	// events were recorded.
	EventOrder() string
}

// LazyBeginner is a Dialect whose transactions may commit without waiting
// for the disk. BeginLazy is Begin, but its commit returns before the
// transaction is durable: a crash may lose it, with the commits after it
// that did not wait, never a commit that waited after it (the log is
// written in order: the wait of a later commit makes it durable too). For
// what a crash may lose without harm, such as the start of a request not
// answered yet.
type LazyBeginner interface {
	BeginLazy(ctx context.Context, fn func(Execer) error) error
}

// Queuer is an Execer that can send statements together, in one round
// trip: Queue adds a statement, sent before the next Exec, QueryRow or
// Query, or at Flush, and check (when not nil) is given its row count and
// error then, and returns the error to report. A statement whose result
// the code needs at once is run, not queued.
type Queuer interface {
	Execer
	Queue(query string, args []any, check func(rowsAffected int64, err error) error)
	Flush(ctx context.Context) error
}

// later runs q, or queues it where ex is a Queuer; check (when not nil) is
// given its row count and error. args must not be changed afterwards.
func later(ctx context.Context, ex Execer, check func(int64, error) error, q string, args ...any) error {
	if qr, ok := ex.(Queuer); ok {
		qr.Queue(q, args, check)
		return nil
	}
	n, err := ex.Exec(ctx, q, args...)
	if check == nil {
		return err
	}
	return check(n, err)
}

// Deduper is an Execer that tells a duplicate key (a unique constraint
// violated) from other errors. Where the Execer is one, the rows a batch
// must insert, which it found new, are inserted by a plain INSERT: a row
// there already is a duplicate key error, which fails the transaction, and
// the batch is applied again one change at a time. Elsewhere the INSERT is
// ON CONFLICT DO NOTHING and its row count tells. (The conflict clause
// costs PostgreSQL an index probe and a speculative insertion a row.)
type Deduper interface {
	Execer
	Duplicate(err error) bool
}

// KeysInLog is a Dialect of one writer whose schema keeps no table of
// idempotency keys: a key is taken when the outcome log holds an outcome
// of it, found through the index outcomes_key (rule, action, player,
// trigger_hash, seq). Every key taken logs an outcome of it in the same
// transaction, and no outcome is logged under a key not taken, so the log
// tells what the table told. Only one writer may do without the table's
// unique key: its transactions run one at a time, so none logs a key
// between another's read of it and its write. (The table cost a b-tree
// insertion an outcome, in the players' order: about 8% of the pages a
// batch writes.)
type KeysInLog interface {
	Dialect
	KeysInLog()
}

// keysInLog tells whether the keys are read from the outcome log: the
// schema's, so also inside WithAudit's transaction.
func (s *Store) keysInLog() bool {
	d := s.D
	if t, ok := d.(txDialect); ok {
		d = t.Dialect
	}
	_, ok := d.(KeysInLog)
	return ok
}

// OutboxInLog is a Dialect of one writer whose schema keeps no outbox row
// an outcome: the outbox is the outcome log above a low-water mark,
// outbox_low.low (every outcome up to it delivered), less the outcomes
// above it marked delivered, outbox_delivered (seq, delivered_ns).
// Delivered writes those rows and moves the mark up past every outcome
// delivered without a gap, dropping their rows. An outcome logged is then
// in the outbox with no write of its own. Only one writer may do without
// the row an outcome: its transactions run one at a time, so none logs an
// outcome below a mark another moved meanwhile. (The outbox and the index
// of its pending rows cost two b-tree insertions a batch with outcomes:
// about 5% of the pages a call of three events writes.)
type OutboxInLog interface {
	Dialect
	OutboxInLog()
}

// outboxInLog tells whether the outbox is read from the outcome log (see
// OutboxInLog): the schema's, so also inside WithAudit's transaction.
func (s *Store) outboxInLog() bool {
	d := s.D
	if t, ok := d.(txDialect); ok {
		d = t.Dialect
	}
	_, ok := d.(OutboxInLog)
	return ok
}

// StateWriter is a Dialect of several writers whose batches write the
// states without reading their versions first (and locking them): a batch
// assumes each state has the version the change gives (the engine's, read
// before), writes the ones stored before with UpdateStates and the new ones
// with an INSERT, and a row count short of the states means another writer
// (or an erasure) changed one meanwhile: the batch is applied again one
// change at a time, which reports the conflict. The dialects with one
// writer read the versions, which costs them little.
type StateWriter interface {
	// UpdateStates is the statement, and its arguments, that sets the
	// version to[i] and the data data[i] of the state of player players[i]
	// in rule rules[i] where its version is from[i]. Its row count is the
	// number of states set.
	UpdateStates(players, rules []string, from, to []int64, data [][]byte) (query string, args []any)
}

// PartFailer is an Execer whose many-row INSERTs may stop at a row that
// fails a constraint and keep the rows before it (SQLite's INSERT OR
// FAIL), where a plain INSERT undoes its own rows first, for which SQLite
// copies every page the statement changes to a statement journal (a
// tenth of the batch path's time in the engine benchmark). The batch path's INSERTs take it:
// their failure fails the transaction (or, in WithAudit, the savepoint of
// Apply), which undoes them anyway. The constraints that the INSERTs'
// ON CONFLICT clauses name are not failures.
type PartFailer interface {
	Execer
	PartFails()
}

// orFail is the INSERT statement q (which begins "INSERT INTO") as ex
// runs it: INSERT OR FAIL where ex is a PartFailer.
func orFail(ex Execer, q string) string {
	if _, ok := ex.(PartFailer); ok {
		return insertOrFail(q)
	}
	return q
}

// insertOrFail is the INSERT statement q as INSERT OR FAIL.
func insertOrFail(q string) string {
	if rest, ok := strings.CutPrefix(q, "INSERT INTO "); ok {
		return "INSERT OR FAIL INTO " + rest
	}
	return q
}
