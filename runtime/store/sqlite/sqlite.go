package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/internal/sqlcore"
	_ "modernc.org/sqlite" // the driver "sqlite", pure Go
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ApplicationID marks a database file as promoc's, in the header field
// SQLite keeps for this ("prom" in ASCII).
const ApplicationID = 0x70726f6d

// Store is a store.Store in one SQLite file.
type Store struct {
	sqlcore.Store
	db    *sql.DB // one connection, used by one transaction at a time
	stmts *stmtCache
	r     *reader // the connections that only read
	ckpt  *checkpointer
	files *syncFiles // the checkpointer's handles on the files, closed last
}

// readers is the number of connections that read: the machine's two cores.
const readers = 2

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

	_ sqlcore.Turns        = dialect{}
	_ sqlcore.LazyBeginner = dialect{}
	_ sqlcore.OutboxInLog  = dialect{}
)

// Open opens the store in the file at path, creating it when it does not
// exist or is empty, and applies the migrations it lacks. A file that is
// not an SQLite database, an SQLite database of another application, or
// one written by a newer promoc is refused with [store.ErrNotOurs] or
// [store.ErrNewerSchema] and left as it was. Every commit is on disk when
// Apply returns (synchronous=FULL); [OpenWith] may relax it.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenWith(ctx, path, Options{})
}

// open is Open without the setting of synchronous.
func open(ctx context.Context, path string) (*Store, error) {
	ms, err := sqlcore.Migrations(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	// The first connection only reads: nothing is written until the
	// database is known to be ours. Its settings are the connection's, not
	// the file's: the sub-journals of savepoints in memory, up to 256 MiB
	// of pages cached (a batch writes pages all over the players' states
	// and events: a page not cached is a read from the file, which cost 5%
	// of the engine benchmark's CPU at 64 MiB and 100,000 players), and
	// its own checkpoint only past walLimit pages of WAL: the
	// checkpointer copies the WAL after each commit on a connection of its
	// own.
	db, err := sql.Open("sqlite", dsn(path, "_pragma=busy_timeout(10000)", "_pragma=temp_store(memory)",
		"_pragma=cache_size(-262144)", fmt.Sprintf("_pragma=wal_autocheckpoint(%d)", walLimit), "_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	s := &Store{db: db, stmts: &stmtCache{}, r: &reader{}}
	s.D = dialect{mu: new(sync.Mutex), db: db, stmts: s.stmts, r: s.r, turns: &turns{}}
	if err := s.migrate(ctx, path, ms); err != nil {
		s.Close()
		return nil, err
	}
	// WAL: readers do not block the writer; synchronous=FULL: a commit
	// is on disk when Apply returns (the durability the crash test needs;
	// OpenWith may relax it).
	for _, p := range []string{"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			s.Close()
			return nil, fmt.Errorf("%s: %s: %w", path, p, err)
		}
	}
	s.r.db, err = sql.Open("sqlite", dsn(path, "_pragma=busy_timeout(10000)", "_pragma=query_only(1)", "_pragma=cache_size(-16384)"))
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.r.db.SetMaxOpenConns(readers)
	if s.files, err = openSyncFiles(path); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.ckpt, err = newCheckpointer(path, s.D.(dialect).mu, s.files); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d := s.D.(dialect)
	s.D = dialect{mu: d.mu, db: db, stmts: s.stmts, r: s.r, ckpt: s.ckpt, turns: d.turns}
	return s, nil
}

func dsn(path string, params ...string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + strings.Join(params, "&")
}

// checkHeader refuses a non-empty file that does not begin with SQLite's
// header, before SQLite opens it.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	var h [100]byte
	n, err := io.ReadFull(f, h[:])
	if n == 0 {
		return nil
	}
	if err != nil || !bytes.HasPrefix(h[:], []byte("SQLite format 3\x00")) {
		return fmt.Errorf("%s: %w: it is not an SQLite database", path, store.ErrNotOurs)
	}
	return nil
}

// migrate checks that the database is ours (its application id, or an
// empty database), then applies the missing migrations in one
// transaction; the schema version is SQLite's user_version.
func (s *Store) migrate(ctx context.Context, path string, ms []sqlcore.Migration) error {
	latest := len(ms)
	err := s.D.Begin(ctx, func(ex sqlcore.Execer) error {
		var app, version, tables int64
		if err := ex.QueryRow(ctx, "PRAGMA application_id").Scan(&app); err != nil {
			return err
		}
		if err := ex.QueryRow(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			return err
		}
		if err := ex.QueryRow(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables); err != nil {
			return err
		}
		switch {
		case app == 0 && tables == 0:
			// A new or empty database: ours from now on.
		case app != ApplicationID:
			return fmt.Errorf("%w: an SQLite database of another application (application id %#x, %d schema objects)",
				store.ErrNotOurs, app, tables)
		case version > int64(latest):
			return fmt.Errorf("%w: schema version %d, this promoc knows up to %d", store.ErrNewerSchema, version, latest)
		case version == int64(latest):
			return nil
		}
		if _, err := ex.Exec(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
			return err
		}
		return sqlcore.Apply(ctx, ex, ms, int(version), func(v int) error {
			_, err := ex.Exec(ctx, fmt.Sprintf("PRAGMA user_version = %d", v))
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Close closes the database; it reports the checkpointer's last run
// when that failed.
func (s *Store) Close() error {
	cerr := s.ckpt.close()
	rerr := s.r.close()
	s.stmts.close()
	derr := s.db.Close()
	// Last: closing the handle on the database file drops the process's
	// locks on it (filesync.go).
	return errors.Join(derr, rerr, cerr, s.files.close())
}
