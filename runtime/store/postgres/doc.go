// Package postgres is the [store.Store] in a PostgreSQL schema, through
// github.com/jackc/pgx/v5 and its pool, for several engine processes that
// share one state. Transactions run at READ COMMITTED: a budget is
// reserved by one conditional UPDATE of its row, which PostgreSQL
// re-evaluates on the newest row after a concurrent writer commits; a
// deadlock or serialization failure reruns the whole transaction. The
// appends to the outcome log take an advisory lock until commit, so
// sequence numbers follow commit order. The schema version is in the table
// promoc_schema; migrations run under an advisory lock, so processes that
// open one database at once migrate it once. Reads are one statement each,
// run on the pool outside any transaction.
//
// A batch of Apply writes in few round trips: its statements are queued
// and sent together (a pgx batch) with the next one that needs an answer
// or with the commit; the states are written by one conditional UPDATE of
// the versions the engine read, not read and locked first; the rows that
// must be new go in by plain INSERTs, whose duplicate key error is a race
// (the batch is then applied one change at a time, which reports each
// conflict). The text keys of the tables Apply writes compare as bytes.
package postgres
