// Package sqlite is the [store.Store] in one SQLite file, through
// modernc.org/sqlite (pure Go, no cgo): the default store, which needs no
// set-up. The file is in WAL mode with synchronous=FULL, so a commit is on
// disk when Apply returns and readers never block the writer ([OpenWith]
// with Options.Relaxed sets synchronous=NORMAL: a commit then survives a
// crash of the process, not of the machine). SQLite has
// one writer: transactions begin IMMEDIATE, so writers in several
// processes queue (busy_timeout, and a BEGIN that found the lock taken
// for all of it tried again: beginImmediate) instead of failing halfway; so an
// idempotency key is taken by logging its first outcome, with no table of
// keys beside the log (sqlcore.KeysInLog, migration 0022), and the outbox
// is the log above a mark of what was delivered, with no row an outcome
// (sqlcore.OutboxInLog, migration 0025). Reads (each
// one statement) run on connections of their own that only read, so they
// neither wait for the writer nor hold it up. The writer keeps the
// versions of the states it committed and checks a batch's changes
// against them without reading them again while nothing else changed the
// database: PRAGMA data_version tells a commit of any other connection,
// and the writer counts its own transactions that may write states
// (sqlcore.Turns). The WAL is copied into the
// database file (checkpoints) by a connection of its own beside the
// writer, every 32 MiB of WAL, until it is wholly copied, and the last
// few pages under the writer's lock, so that the writer's next commit
// starts the WAL again. Its rounds beside the writer do not sync the
// database file each (that sync held the writer's commits back): they
// start its write-back, and one sync comes before the WAL may start
// again, which a read transaction of the checkpointer's keeps the writer
// from doing until then (checkpoint.go, filesync.go). The writer
// checkpoints itself only past 64 MiB, when that one falls behind; a
// checkpoint that failed, with
// none succeeding since, is reported by Close. The file is marked as
// promoc's by SQLite's application id and carries its schema version in
// user_version; Open refuses any other file untouched.
package sqlite
