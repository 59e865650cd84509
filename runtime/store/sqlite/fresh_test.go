package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenFreshIsOpen: a store OpenFresh makes has the schema, version and
// application id of one Open makes, takes writes, and is refused where the
// file exists.
func TestOpenFreshIsOpen(t *testing.T) {
	ctx := context.Background()
	dump := func(path string) string {
		t.Helper()
		db, err := sql.Open("sqlite", path)
		require.NoError(t, err)
		defer db.Close()
		var b strings.Builder
		for _, p := range []string{"user_version", "application_id", "journal_mode"} {
			var v string
			require.NoError(t, db.QueryRow("PRAGMA "+p).Scan(&v))
			fmt.Fprintf(&b, "%s=%s\n", p, v)
		}
		rows, err := db.Query(`SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name`)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var ty, name, tbl, text string
			require.NoError(t, rows.Scan(&ty, &name, &tbl, &text))
			fmt.Fprintf(&b, "%s %s %s %s\n", ty, name, tbl, text)
		}
		require.NoError(t, rows.Err())
		return b.String()
	}
	opened := filepath.Join(t.TempDir(), "promoc.db")
	s, err := sqlite.Open(ctx, opened)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	for i := range 2 { // the first makes the copy, the second reuses it
		path := filepath.Join(t.TempDir(), "promoc.db")
		s, err := sqlite.OpenFresh(ctx, path, sqlite.Options{})
		require.NoError(t, err, "store %d", i)
		require.NoError(t, s.PutPlayers(ctx, []store.Player{{ID: "p1"}}))
		require.NoError(t, s.Close())
		assert.Equal(t, dump(opened), dump(path), "store %d", i)
		_, err = sqlite.OpenFresh(ctx, path, sqlite.Options{})
		assert.Error(t, err, "the file exists")
	}
	assert.Contains(t, dump(opened), "table rule_state")
}
