package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSweep: the schemas of the pools of ended processes (a template and
// what it handed out, or what is left of them) are dropped; those of a
// live process (a session named after its template) are left.
func TestSweep(t *testing.T) {
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(Server(t, "pgtest's tests"))
	require.NoError(t, err)
	name := func() string {
		var b [6]byte
		rand.Read(b[:])
		return poolPrefix + hex.EncodeToString(b[:])
	}
	dead, gone, alive := name(), name(), name()
	lc := cfg.Copy()
	lc.RuntimeParams["application_name"] = alive
	live, err := pgx.ConnectConfig(ctx, lc)
	require.NoError(t, err)
	defer live.Close(ctx)
	for _, s := range []string{dead, dead + "_1", dead + "_12", gone + "_3", alive, alive + "_1"} {
		_, err := live.Exec(ctx, "CREATE SCHEMA "+s+"; CREATE TABLE "+s+".t (k int)")
		require.NoError(t, err)
	}
	defer live.Exec(ctx, "DROP SCHEMA "+alive+" CASCADE; DROP SCHEMA "+alive+"_1 CASCADE")

	conn, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	defer conn.Close(ctx)
	require.NoError(t, sweep(ctx, conn))
	rows, err := conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE left(nspname, $1) IN ($2, $3, $4) ORDER BY nspname`,
		len(dead), dead, gone, alive)
	require.NoError(t, err)
	left, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	assert.Equal(t, []string{alive, alive + "_1"}, left)
}

// TestResetFailsOnce: a schema whose reset fails is dropped, and only it:
// the pool goes on reusing the others (a failure other than a permission
// denied, which would fail for every schema, says nothing of them). One
// schema besides the template: each costs a migration.
func TestResetFailsOnce(t *testing.T) {
	ctx := context.Background()
	_, release, err := NewFresh(ctx, Server(t, "pgtest's tests"))
	require.NoError(t, err)
	pool.mu.Lock()
	schema := fmt.Sprintf("%s_%d", pool.name, pool.n)
	reset := pool.reset
	pool.reset = "SELECT 1/0; -- %[1]s\n"
	pool.mu.Unlock()
	err = release()
	pool.mu.Lock()
	defer pool.mu.Unlock()
	pool.reset = reset
	require.ErrorContains(t, err, "emptying schema "+schema)
	assert.False(t, pool.noReuse, "one failed reset: the next schemas given back are reused")
	assert.NotContains(t, pool.free, schema)
	var n int
	require.NoError(t, pool.live.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, schema).Scan(&n))
	assert.Zero(t, n, "the schema whose reset failed is dropped")
}
