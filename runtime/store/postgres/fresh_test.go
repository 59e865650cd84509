package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFreshIsOpen: a schema pgtest.Fresh gives, new or used by a test
// before (emptied: its rows deleted, the template's put back, its
// sequences reset), has the tables, columns, constraints, indexes,
// triggers, functions, sequences and rows that Open leaves in an empty
// schema, the newest version among them; Open on it changes nothing. A
// session left connected to a used schema is ended; a schema whose tables
// a test changed is not given again.
func TestFreshIsOpen(t *testing.T) {
	if testing.Short() {
		t.Skip("proven in go test ./... (.ci/run); nothing in it races")
	}
	ctx := context.Background()
	opened := newSchema(t)
	s, err := postgres.Open(ctx, opened)
	require.NoError(t, err)
	s.Close()
	want := catalog(t, opened)
	assert.Contains(t, want, fmt.Sprintf("promoc_schema: (%d)", migrations(t)), "the newest version")
	assert.Contains(t, want, `inbox_lease: (1,"",0)`)
	assert.Contains(t, want, "table rule_state")
	assert.Contains(t, want, "trigger audit_log")

	var used string
	t.Run("used", func(t *testing.T) {
		used = newFresh(t)
		assert.Equal(t, want, catalog(t, used), "before Open")
		s, err := postgres.Open(ctx, used)
		require.NoError(t, err)
		defer s.Close()
		assert.Equal(t, want, catalog(t, used), "after Open")
		require.NoError(t, s.PutPlayers(ctx, []store.Player{{ID: "p1", Zone: "Europe/Malta"}}))
		require.NoError(t, s.SetBudget(ctx, "c", "EUR", decimal.RequireFromString("10"), time.Unix(1, 0)))
		k := store.Key{Rule: "r", Action: "a", Player: "p1", TriggerHash: "t"}
		got, err := s.Apply(ctx, []store.Change{{Outcomes: []store.Outcome{{Key: k, Campaign: "c", Status: store.Issued,
			Amount: decimal.RequireFromString("3"), Currency: "EUR", At: time.Unix(1, 0)}}}})
		require.NoError(t, err)
		require.NoError(t, got[0].Err)
		_, err = s.AppendAudit(ctx, store.AuditEntry{At: time.Unix(1, 0), Actor: "k1", Action: "campaign.suspend", Target: "c"})
		require.NoError(t, err)
		assert.NotEqual(t, want, catalog(t, used))
		// A session still connected when the test ends, in a transaction.
		conn, err := pgx.Connect(ctx, used)
		require.NoError(t, err)
		_, err = conn.Exec(ctx, "BEGIN; LOCK TABLE players")
		require.NoError(t, err)
	})
	again := newFresh(t)
	assert.Equal(t, used, again, "the used schema, given again")
	assert.Equal(t, want, catalog(t, again), "the used schema, emptied")
	s, err = postgres.Open(ctx, again)
	require.NoError(t, err)
	defer s.Close()
	o, err := s.Apply(ctx, []store.Change{{Outcomes: []store.Outcome{{Key: store.Key{Rule: "r", Action: "a", Player: "p2", TriggerHash: "t"},
		Status: store.Issued, Amount: decimal.RequireFromString("1"), Currency: "EUR", At: time.Unix(1, 0)}}}})
	require.NoError(t, err)
	require.NoError(t, o[0].Err)
	assert.Equal(t, int64(1), o[0].Outcomes[0].Seq, "the outcome log's sequence starts again")

	var changed string
	t.Run("changed", func(t *testing.T) {
		changed = newFresh(t)
		conn, err := pgx.Connect(ctx, changed)
		require.NoError(t, err)
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "CREATE TABLE extra (k int)")
		require.NoError(t, err)
	})
	other := newFresh(t)
	assert.NotEqual(t, changed, other, "a changed schema is not given again")
	assert.Equal(t, want, catalog(t, other))
}

// catalog describes the schema of the connection string's search_path,
// its name left out: each relation, column, constraint, index, trigger,
// function and sequence, and the rows of every table.
func catalog(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var schema string
	require.NoError(t, conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema))
	var b strings.Builder
	list := func(q string) {
		rows, err := conn.Query(ctx, q)
		require.NoError(t, err, q)
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err, q)
		for _, l := range lines {
			b.WriteString(strings.ReplaceAll(l, schema+".", "") + "\n")
		}
	}
	list(`SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' ELSE c.relkind::text END || ' ' || c.relname
		FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace ORDER BY 1`)
	list(`SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
			|| CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
			|| coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
			|| coalesce(' collate ' || nullif(co.collname, 'default'), '')
			|| CASE a.attidentity WHEN ''::"char" THEN '' ELSE ' identity ' || a.attidentity::text END
			|| CASE a.attgenerated WHEN ''::"char" THEN '' ELSE ' generated ' || a.attgenerated::text END
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		LEFT JOIN pg_collation co ON co.oid = a.attcollation
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY c.relname, a.attnum`)
	list(`SELECT 'constraint ' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
		FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
		WHERE k.connamespace = current_schema()::regnamespace ORDER BY 1`)
	list(`SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`)
	list(`SELECT 'trigger ' || c.relname || ' ' || pg_get_triggerdef(g.oid)
		FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
		WHERE c.relnamespace = current_schema()::regnamespace AND NOT g.tgisinternal ORDER BY 1`)
	list(`SELECT 'function ' || pg_get_functiondef(p.oid) FROM pg_proc p
		WHERE p.pronamespace = current_schema()::regnamespace ORDER BY 1`)
	list(`SELECT 'sequence ' || sequencename || ' ' || data_type::text || ' ' || start_value || ' ' || increment_by || ' ' || coalesce(last_value::text, 'unused')
		FROM pg_sequences WHERE schemaname = current_schema() ORDER BY 1`)
	rows, err := conn.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	for _, tb := range tables {
		var data string
		require.NoError(t, conn.QueryRow(ctx, `SELECT coalesce(string_agg(r::text, ' ' ORDER BY r::text), '') FROM `+pgx.Identifier{tb}.Sanitize()+` r`).Scan(&data))
		if data != "" {
			fmt.Fprintf(&b, "%s: %s\n", tb, data)
		}
	}
	return b.String()
}
