// Package sqlcore is the one implementation of [store.Store] over SQL that
// the SQLite and PostgreSQL drivers share: the same statements, run through
// a small [Execer] each driver provides, with a [Dialect] for what differs
// (transactions and their retries, the log's commit order, how a list of
// keys is passed to one query, row locks). Apply has two paths: the batch
// path (batch.go) reads, decides in memory and writes in many-row
// statements; the one-change-at-a-time path (core.go) is what a batch
// falls back to when another writer raced it. A driver may do more than
// the Dialect asks: an Execer that queues statements (Queuer), tells a
// duplicate key (Deduper) or runs the batch path's INSERTs as INSERT OR
// FAIL, keeping the rows before one that fails (PartFailer), a Dialect that writes states conditionally
// instead of reading their versions first (StateWriter), a Dialect of one
// writer that reads the idempotency keys from the outcome log instead of
// a table of their own (KeysInLog) and finds the outbox in the log, not
// in a row an outcome (OutboxInLog), a Dialect of one writer that tells a
// transaction whether anything but its own previous transaction changed
// the database (Turns), so that the batch path trusts the versions of the
// states it committed instead of reading them again (statecache.go). The
// schema each driver creates is in its own migrations.
package sqlcore
