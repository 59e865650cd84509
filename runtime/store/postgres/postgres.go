package postgres

import (
	"context"
	"embed"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/internal/sqlcore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is a store.Store in a PostgreSQL schema, shared by every process
// that opens it.
type Store struct {
	sqlcore.Store
	pool *pgxpool.Pool
}

var (
	_ store.Store      = (*Store)(nil)
	_ store.Audited    = (*Store)(nil)
	_ store.Tracking   = (*Store)(nil)
	_ store.Webhooks   = (*Store)(nil)
	_ store.RuleSets   = (*Store)(nil)
	_ store.Eraser     = (*Store)(nil)
	_ store.Inbox      = (*Store)(nil)
	_ store.OfferGiver = (*Store)(nil)
	_ store.Expiries   = (*Store)(nil)
)

// Open connects to the database of the connection string (a URL or
// key=value pairs, as libpq takes them) and applies the migrations it
// lacks, in the connection's current schema (search_path).
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig is [Open] with a parsed configuration.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*Store, error) {
	ms, err := sqlcore.Migrations(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool}
	s.D = dialect{pool: pool}
	if err := s.migrate(ctx, ms); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// migrateLock is the advisory lock key under which processes that open one
// database at once migrate it one after the other.
const migrateLock = 0x70726f6d00000001

// migrate checks that the schema is ours (it has promoc_schema, or no
// table at all), then applies the missing migrations in one transaction.
func (s *Store) migrate(ctx context.Context, ms []sqlcore.Migration) error {
	latest := len(ms)
	return s.D.Begin(ctx, func(ex sqlcore.Execer) error {
		if _, err := ex.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLock)); err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		var schema string
		var ours bool
		var others []string
		if err := ex.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		rows, err := ex.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name")
		if err != nil {
			return err
		}
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return err
			}
			if t == "promoc_schema" {
				ours = true
			} else {
				others = append(others, t)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		version := 0
		switch {
		case !ours && len(others) > 0:
			if len(others) > 5 {
				others = append(others[:5], "...")
			}
			return fmt.Errorf("postgres: schema %q: %w: it has tables of another application (%s)", schema, store.ErrNotOurs, strings.Join(others, ", "))
		case ours:
			if err := ex.QueryRow(ctx, "SELECT version FROM promoc_schema").Scan(&version); err != nil {
				return fmt.Errorf("postgres: schema %q: %w: promoc_schema: %v", schema, store.ErrNotOurs, err)
			}
		}
		if version > latest {
			return fmt.Errorf("postgres: schema %q: %w: schema version %d, this promoc knows up to %d", schema, store.ErrNewerSchema, version, latest)
		}
		return sqlcore.Apply(ctx, ex, ms, version, func(v int) error {
			_, err := ex.Exec(ctx, "UPDATE promoc_schema SET version = $1", v)
			return err
		})
	})
}

// Close closes the connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
