package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// defaultDB is the database of --db when none is given: an SQLite file in
// the working directory.
const defaultDB = "promoc.db"

// now is the clock of the commands that change the database (the time of a
// suspension, a budget, a decision). Tests set it.
var now = func() time.Time { return time.Now().UTC() }

// dbFlag adds --db to a command and its subcommands.
func dbFlag(cmd *cobra.Command, db *string) {
	cmd.PersistentFlags().StringVar(db, "db", defaultDB, "the database: an SQLite `FILE`, or a postgres:// or postgresql:// URL")
}

// isPostgres says whether --db names a PostgreSQL database.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// dbName is how messages name the database: the file as given, or the URL
// without its password.
func dbName(db string) string {
	if !isPostgres(db) {
		return paths{}.display(db)
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres database" // the URL itself may hold a password
	}
	return u.Redacted()
}

// dbStore is a store of --db: both drivers lease budget slices and jobs.
type dbStore interface {
	store.Store
	store.Slices
	store.Leases
}

// durability is --durability: what a commit the engine acknowledged
// survives.
type durability string

const (
	// durableFull: a crash of the machine or a power loss (SQLite syncs
	// the WAL at every commit; PostgreSQL as its server is configured, by
	// default synchronous_commit=on).
	durableFull durability = "full"
	// durableProcess: a crash of promoc's process (SIGKILL included), not
	// of the machine (SQLite: synchronous=NORMAL) or of the database
	// server (PostgreSQL: synchronous_commit=off), which may lose the last
	// commits, never part of one.
	durableProcess durability = "process"
)

// durabilityFlag adds --durability to a command that writes events' outcomes.
func durabilityFlag(cmd *cobra.Command, d *string) {
	cmd.Flags().StringVar(d, "durability", string(durableFull), "what an acknowledged outcome survives: full (a crash of the machine) or process (a crash of promoc's process; faster, the last commits may be lost with the machine)")
}

// parseDurability checks --durability's value.
func parseDurability(v string) (durability, error) {
	switch d := durability(v); d {
	case durableFull, durableProcess:
		return d, nil
	}
	return "", usageErrorf("--durability %q: expected full or process", v)
}

// openStore opens the store of --db. An SQLite file is created when
// missing only if create is set: a command that only reads or decides
// refuses a file that is not there, rather than making an empty database
// out of a mistyped name. A database that is not promoc's, or is newer
// than this promoc, is bad usage (exit 2), left as it was.
func openStore(ctx context.Context, db string, create bool) (dbStore, error) {
	return openStoreWith(ctx, db, create, durableFull)
}

// openStoreWith is openStore with the durability of the store's commits.
func openStoreWith(ctx context.Context, db string, create bool, d durability) (dbStore, error) {
	name := dbName(db)
	var st dbStore
	var err error
	if isPostgres(db) {
		var cfg *pgxpool.Config
		if cfg, err = pgConfig(db, d); err == nil {
			var pg *postgres.Store
			pg, err = postgres.OpenConfig(ctx, cfg)
			if err == nil {
				st = pg
			}
		}
	} else {
		if db == "" {
			return nil, usageErrorf("--db: empty: expected an SQLite file or a postgres:// URL")
		}
		fi, serr := os.Stat(db)
		switch {
		case errors.Is(serr, os.ErrNotExist) && !create:
			return nil, usageErrorf("%s: no such database: promoc players import, promoc campaigns budget or promoc run create it", name)
		case serr == nil && fi.IsDir():
			return nil, usageErrorf("%s: is a directory: expected an SQLite file or a postgres:// URL", name)
		case serr != nil && !errors.Is(serr, os.ErrNotExist):
			return nil, paths{}.pathError(db, serr)
		}
		var sq *sqlite.Store
		sq, err = sqlite.OpenWith(ctx, db, sqliteOptions(d))
		if err == nil {
			st = sq
		}
	}
	if err == nil {
		return st, nil
	}
	// The drivers name the file (SQLite) or "postgres" (PostgreSQL).
	msg := strings.TrimPrefix(err.Error(), db+": ")
	msg = strings.TrimPrefix(msg, "postgres: ")
	if errors.Is(err, store.ErrNotOurs) || errors.Is(err, store.ErrNewerSchema) {
		return nil, usageErrorf("%s: %s; it was left as it was", name, msg)
	}
	return nil, failf("%s: %s", name, msg)
}

// pgConfig is the connection pool's configuration of a postgres:// URL at
// durability d: process turns synchronous_commit off on every connection
// (a commit is acknowledged before the server has flushed its WAL).
func pgConfig(db string, d durability) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(db)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if d == durableProcess {
		cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	}
	return cfg, nil
}

// sqliteOptions are the SQLite store's options at durability d: process
// is synchronous=NORMAL (no sync at a commit; the WAL is synced at each
// checkpoint).
func sqliteOptions(d durability) sqlite.Options {
	return sqlite.Options{Relaxed: d == durableProcess}
}

// closeStore closes st, reporting a failure to close only when the command
// itself succeeded.
func closeStore(st store.Store, err *error) {
	if cerr := st.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("closing the database: %w", cerr)
	}
}
