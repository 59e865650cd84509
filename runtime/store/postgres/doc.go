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
package postgres
