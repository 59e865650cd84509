package main

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
)

// TestDurabilityValues: --durability takes full and process, and nothing
// else (bad usage, naming the flag).
func TestDurabilityValues(t *testing.T) {
	for _, c := range []struct {
		arg  string
		want durability
		err  string
	}{
		{"full", durableFull, ""},
		{"process", durableProcess, ""},
		{"", "", `--durability "": expected full or process`},
		{"Full", "", `--durability "Full": expected full or process`},
		{"normal", "", `--durability "normal": expected full or process`},
	} {
		got, err := parseDurability(c.arg)
		if c.err != "" {
			require.EqualError(t, err, c.err, c.arg)
			continue
		}
		require.NoError(t, err, c.arg)
		require.Equal(t, c.want, got)
	}
	require.False(t, sqliteOptions(durableFull).Relaxed, "full: synchronous=FULL")
	require.True(t, sqliteOptions(durableProcess).Relaxed, "process: synchronous=NORMAL")
}

// TestDurabilityPostgres: the pool of --durability process has
// synchronous_commit off on its connections, as the server reports it;
// full leaves the server's setting (on by default).
func TestDurabilityPostgres(t *testing.T) {
	base := pgtest.Server(t, "--durability on PostgreSQL")
	ctx := context.Background()
	for d, want := range map[durability]string{durableFull: "on", durableProcess: "off"} {
		cfg, err := pgConfig(base, d)
		require.NoError(t, err)
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		require.NoError(t, err)
		var got string
		err = pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&got)
		pool.Close()
		require.NoError(t, err)
		require.Equal(t, want, got, "--durability %s", d)
	}
}

// TestOpenStoreBadURL: a postgres:// URL that does not parse is a failure
// naming the database without its password, at either durability, and no
// server is asked.
func TestOpenStoreBadURL(t *testing.T) {
	for _, d := range []durability{durableFull, durableProcess} {
		_, err := openStoreWith(context.Background(), "postgres://promoc:s3cret@db:notaport/promoc", true, d)
		require.Error(t, err, "--durability %s", d)
		require.Contains(t, err.Error(), "postgres", "--durability %s", d)
		require.NotContains(t, err.Error(), "s3cret", "--durability %s: the password in a message", d)
	}
}
