// Package sqlcore is the one implementation of [store.Store] over SQL that
// the SQLite and PostgreSQL drivers share: the same statements, run through
// a small [Execer] each driver provides, with a [Dialect] for what differs
// (transactions and their retries, the log's commit order). The schema
// each driver creates is in its own migrations.
package sqlcore
