package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// TestPositional rewrites $1..$n to ? only when each appears once, in
// order, outside quotes.
func TestPositional(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"INSERT INTO t VALUES ($1, $2), ($3, $4)", "INSERT INTO t VALUES (?, ?), (?, ?)"},
		{"SELECT $1 WHERE a = '$2' AND b = $2", "SELECT ? WHERE a = '$2' AND b = ?"},
		{"SELECT json_extract(v, '$[0]') FROM json_each($1)", "SELECT json_extract(v, '$[0]') FROM json_each(?)"},
		{"UPDATE t SET a = a + $3 WHERE c = $1 AND d = $2", "UPDATE t SET a = a + $3 WHERE c = $1 AND d = $2"},
		{"SELECT $1, $1", "SELECT $1, $1"},
		{"SELECT $10", "SELECT $10"},
		{"SELECT $", "SELECT $"},
	}
	for _, tt := range tests {
		if got := positional(tt.in); got != tt.want {
			t.Errorf("positional(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestBeginImmediateRetries: a write transaction's BEGIN IMMEDIATE that
// finds another connection (another process's, as far as SQLite knows)
// holding the write lock past the busy_timeout is tried again, so that a
// lock held across a few timeouts is waited for; one held past every try
// gives SQLITE_BUSY to the caller.
func TestBeginImmediateRetries(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "busy.db")
	open := func() *sql.DB {
		db, err := sql.Open("sqlite", dsn(path, "_pragma=journal_mode(wal)", "_pragma=busy_timeout(20)", "_txlock=immediate"))
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		return db
	}
	holder, writer := open(), open()
	if _, err := holder.Exec("CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	conn, err := writer.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hold := func(d time.Duration) {
		t.Helper()
		tx, err := holder.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		release := time.AfterFunc(d, func() { tx.Rollback() })
		t.Cleanup(func() { // before the databases close
			if release.Stop() {
				tx.Rollback()
			}
		})
	}

	// Held for about 3 of the writer's 20 ms timeouts: the fourth try or so
	// takes it.
	hold(60 * time.Millisecond)
	tx, err := beginImmediate(ctx, conn)
	if err != nil {
		t.Fatalf("a lock held 60 ms, tried %d times of 20 ms: %v", beginTries, err)
	}
	tx.Rollback()

	// Held past every try: SQLITE_BUSY.
	hold(10 * time.Second)
	_, err = beginImmediate(ctx, conn)
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY {
		t.Fatalf("a lock held past %d tries: %v, want SQLITE_BUSY", beginTries, err)
	}
}
