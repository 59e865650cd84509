package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/promoc/promoc/runtime/store/postgres"
)

// A process's pool of schemas at promoc's newest version (Fresh). The
// first Fresh migrates a template schema, named promoc_p_ and a random
// suffix, with postgres.Open, and the schemas it hands out are named after
// it with a number: each migrated once the same way, then, each time a
// test ends, emptied and given to the next. An empty schema's 23
// migrations take 0.3 to 1 s on a loaded machine, and dropping it 0.1 to
// 0.4 s more; emptying a used one takes a few milliseconds. (A database
// copied from a migrated template, CREATE DATABASE ... TEMPLATE, takes as
// long as the migrations: it copies the system catalogs too.)
//
// Emptying a schema (reset) first ends the sessions still connected to it
// (its connection string names them: application_name is the schema), as
// DROP DATABASE ... WITH (FORCE) would; a schema whose tables, columns,
// constraints, triggers or functions a test changed is dropped, not
// reused. Then, in one transaction with the triggers off
// (session_replication_role replica: a superuser's, as the test servers'
// users are), every table is emptied, the template's rows put back into
// the tables that have some (promoc_schema's version, inbox_lease's row),
// and every sequence set where the template's is. If that fails, the
// schema is dropped, and the pool makes the next by migrating
// (TestFreshIsOpen proves a reused schema equal to a migrated one); the
// other schemas are reused still, unless the failure is a permission
// denied (the user is not a superuser), which every reset would meet.
//
// Several test processes may use one server at once: their schemas' names
// differ by the random suffix. While a process lives, it keeps a
// connection whose application_name is its template's name; the first
// Fresh of a process drops the schemas of others that no session names:
// their processes ended without Close (killed, or a test binary without
// it in TestMain).
var pool struct {
	mu      sync.Mutex
	server  string
	cfg     *pgx.ConnConfig
	name    string    // the template schema
	live    *pgx.Conn // a session named name; runs the pool's statements
	sig     string    // the template's signature (signature)
	reset   string    // the statements that empty a schema, %[1]s its name
	free    []string  // emptied schemas, ready
	n       int       // schemas made
	noReuse bool      // a reset was not permitted: each schema migrated anew
}

const poolPrefix = "promoc_p_"

// NewFresh returns a postgres:// URL of a schema on server at promoc's
// newest version with no data, as postgres.Open leaves an empty schema
// (its search_path the schema), and the function that gives it back: the
// schema, emptied, is then the next caller's. Open on it finds every
// migration applied.
func NewFresh(ctx context.Context, server string) (dsn string, release func() error, err error) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.name == "" {
		if err := makeTemplate(ctx, server); err != nil {
			return "", nil, err
		}
	} else if pool.server != server {
		return "", nil, fmt.Errorf("pgtest: a pool on %q, not on %q", pool.server, server)
	}
	var schema string
	if n := len(pool.free); n > 0 {
		schema, pool.free = pool.free[n-1], pool.free[:n-1]
	} else {
		pool.n++
		schema = fmt.Sprintf("%s_%d", pool.name, pool.n)
		if err := migrateSchema(ctx, schema); err != nil {
			return "", nil, err
		}
	}
	return schemaDSN(pool.cfg, schema), func() error { return giveBack(schema) }, nil
}

// Fresh is NewFresh for a test on the server of Env (Server's skip
// rules), given back when the test ends: what Schema and postgres.Open
// give, quicker.
func Fresh(t testing.TB, what string) string {
	t.Helper()
	dsn, release, err := NewFresh(context.Background(), Server(t, what))
	if err != nil {
		t.Fatalf("a schema of its own on PostgreSQL: %v", err)
	}
	t.Cleanup(func() {
		if err := release(); err != nil {
			t.Errorf("giving the test's schema back: %v", err)
		}
	})
	return dsn
}

// schemaDSN is the URL of a schema of the pool: its sessions are named
// after it.
func schemaDSN(cfg *pgx.ConnConfig, schema string) string {
	u, _ := url.Parse(inSchema(cfg, schema))
	q := u.Query()
	q.Set("application_name", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// makeTemplate makes the process's template on server, pool.mu held.
func makeTemplate(ctx context.Context, server string) error {
	cfg, err := pgx.ParseConfig(server)
	if err != nil {
		return err
	}
	var b [6]byte
	rand.Read(b[:])
	name := poolPrefix + hex.EncodeToString(b[:])
	lc := cfg.Copy()
	lc.RuntimeParams["application_name"] = name
	live, err := pgx.ConnectConfig(ctx, lc)
	if err != nil {
		return err
	}
	// Another process may be sweeping the same ones: what it dropped
	// first fails here, and what is left is the next process's to drop.
	sweep(ctx, live)
	pool.server, pool.cfg, pool.name, pool.live = server, cfg, name, live
	if err := migrateSchema(ctx, name); err != nil {
		pool.live.Exec(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE")
		live.Close(ctx)
		pool.name, pool.live = "", nil
		return fmt.Errorf("pgtest: the template schema: %w", err)
	}
	if pool.sig, err = signature(ctx, live, name); err == nil {
		pool.reset, err = resetSQL(ctx, live, name)
	}
	if err != nil {
		// No pool: without its signature and its reset, a schema given
		// back would be handed out again as it was left.
		live.Exec(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE")
		live.Close(ctx)
		pool.name, pool.live, pool.sig, pool.reset = "", nil, "", ""
		return fmt.Errorf("pgtest: the template schema: %w", err)
	}
	return nil
}

// migrateSchema creates schema and migrates it with postgres.Open.
func migrateSchema(ctx context.Context, schema string) error {
	if _, err := pool.live.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return err
	}
	s, err := postgres.Open(ctx, inSchema(pool.cfg, schema))
	if err != nil {
		pool.live.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		return err
	}
	return s.Close()
}

// giveBack empties schema and puts it in the pool, or drops it.
func giveBack(schema string) error {
	ctx := context.Background()
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.live == nil {
		return fmt.Errorf("pgtest: schema %s given back after Close", schema)
	}
	// The sessions left (a child process killed, a store not closed).
	if _, err := pool.live.Exec(ctx, `SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity
		WHERE application_name = $1 AND pid <> pg_backend_pid()`, schema); err != nil {
		return err
	}
	if !pool.noReuse {
		sig, err := signature(ctx, pool.live, schema)
		if err == nil && sig == pool.sig {
			err := pgx.BeginFunc(ctx, pool.live, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, fmt.Sprintf(pool.reset, schema))
				return err
			})
			if err == nil {
				pool.free = append(pool.free, schema)
				return nil
			}
			if pe := (*pgconn.PgError)(nil); !errors.As(err, &pe) || pe.Code != "42501" {
				// This schema's failure, not the pool's: it is dropped,
				// and the others are reused still.
				pool.live.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
				return fmt.Errorf("pgtest: emptying schema %s: %w", schema, err)
			}
			// Not a superuser (permission denied, as for every schema):
			// each schema is migrated anew.
			pool.noReuse = true
		} else if err != nil {
			return err
		}
	}
	_, err := pool.live.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
	return err
}

// signature describes a schema's tables, indexes, sequences, columns,
// constraints, triggers and functions, the schema's name left out: a test
// that changed one changed it.
func signature(ctx context.Context, conn *pgx.Conn, schema string) (string, error) {
	var sig string
	err := conn.QueryRow(ctx, `SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
		SELECT 'r ' || c.relname || ' ' || c.relkind::text || ' ' || coalesce(string_agg(a.attname || ' ' || a.atttypid::regtype::text || ' ' || a.attnotnull::text, ' ' ORDER BY a.attnum), '') AS x
			FROM pg_class c LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
			WHERE c.relnamespace = $1::regnamespace GROUP BY c.relname, c.relkind
		UNION ALL SELECT 'c ' || conname || ' ' || replace(pg_get_constraintdef(oid), $1 || '.', '') FROM pg_constraint WHERE connamespace = $1::regnamespace
		UNION ALL SELECT 't ' || g.tgname || ' ' || g.tgenabled::text FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid WHERE c.relnamespace = $1::regnamespace AND NOT g.tgisinternal
		UNION ALL SELECT 'f ' || proname || ' ' || md5(prosrc) FROM pg_proc WHERE pronamespace = $1::regnamespace) s`, schema).Scan(&sig)
	return sig, err
}

// resetSQL is the statements, run in one transaction, that empty a schema of the pool (%[1]s)
// to the template's state: its tables' rows and its sequences'.
func resetSQL(ctx context.Context, conn *pgx.Conn, template string) (string, error) {
	var b strings.Builder
	b.WriteString("SET LOCAL session_replication_role = replica;\n")
	rows, err := conn.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, template)
	if err != nil {
		return "", err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	for _, t := range tables {
		fmt.Fprintf(&b, "DELETE FROM %%[1]s.%s;\n", t)
		var some bool
		if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT EXISTS (SELECT FROM %s.%s)", template, t)).Scan(&some); err != nil {
			return "", err
		}
		if some {
			fmt.Fprintf(&b, "INSERT INTO %%[1]s.%s OVERRIDING SYSTEM VALUE SELECT * FROM %s.%s;\n", t, template, t)
		}
	}
	rows, err = conn.Query(ctx, `SELECT sequencename, coalesce(last_value, start_value), last_value IS NOT NULL
		FROM pg_sequences WHERE schemaname = $1 ORDER BY sequencename`, template)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var seq string
		var v int64
		var called bool
		if err := rows.Scan(&seq, &v, &called); err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "SELECT setval('%%[1]s.%s', %d, %t);\n", seq, v, called)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return b.String(), nil
}

// sweep drops the schemas of the pools whose process ended: those whose
// template's name no session's application_name is. (A process names a
// session after its template before it creates it, and drops them all
// before it closes the session.) It goes on past an error (another
// process may be sweeping the same ones) and returns the first.
func sweep(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `SELECT n.nspname FROM pg_namespace n
		WHERE n.nspname ~ $1 AND NOT EXISTS (SELECT FROM pg_stat_activity a WHERE a.application_name = left(n.nspname, $2))
		ORDER BY n.nspname`, "^"+poolPrefix+"[0-9a-f]{12}(_[0-9]+)?$", len(poolPrefix)+12)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	var first error
	for _, name := range names {
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE"); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Close drops the process's pool, if it made one: its template and every
// schema it handed out. A TestMain that uses Fresh calls it after m.Run.
// (Without it, the next process that makes a pool drops them.)
func Close() error {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.live == nil {
		return nil
	}
	ctx := context.Background()
	var first error
	for i := pool.n; i >= 0; i-- {
		schema := pool.name
		if i > 0 {
			schema = fmt.Sprintf("%s_%d", pool.name, i)
		}
		if _, err := pool.live.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil && first == nil {
			first = err
		}
	}
	pool.live.Close(ctx)
	pool.name, pool.live, pool.free, pool.n, pool.noReuse = "", nil, nil, 0, false
	return first
}
