package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres"
	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
	"github.com/promoc/promoc/runtime/store/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests run against the server of PROMOC_TEST_POSTGRES, each in a
// database or schema of its own, dropped at the end (pgtest): skipped
// without it, failed in CI. The suite's stores start from a copy of a
// database migrated once (pgtest.Fresh, TestFreshIsOpen); the tests of
// the migrations themselves from an empty schema (newSchema).
func newSchema(t testing.TB) string { return pgtest.Schema(t, "the store's tests", "promoc_test") }

func newFresh(t testing.TB) string { return pgtest.Fresh(t, "the store's tests") }

var driver = storetest.Driver{
	Name: "postgres",
	New:  newFresh,
	Open: func(ctx context.Context, addr string) (store.Store, error) { return postgres.Open(ctx, addr) },
}

func TestMain(m *testing.M) {
	storetest.Child(driver)
	code := m.Run()
	if err := pgtest.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "dropping the template database:", err)
	}
	os.Exit(code)
}

func TestConformance(t *testing.T) {
	pgtest.Server(t, "the store's tests")
	storetest.Run(t, driver)
}

// raceN sizes the slices' races, which CI runs only in go test ./...; the
// races and the crash run at full size under storetest.EnvProofFull
// (.ci/run, under the race detector).
func raceN() int {
	if testing.Short() {
		return 2000
	}
	return 10000
}

func TestRace(t *testing.T) {
	pgtest.Server(t, "the store's tests")
	storetest.Race(t, driver, 16, storetest.ProofSize(10000, 2000), 1)
}

func TestRaceBatched(t *testing.T) {
	pgtest.Server(t, "the store's tests")
	storetest.Race(t, driver, 16, storetest.ProofSize(10000, 2000), 50)
}

func TestRaceProcesses(t *testing.T) {
	pgtest.Server(t, "the store's tests")
	storetest.RaceProcesses(t, driver, 4, storetest.ProofSize(10000, 2000), 1)
}

func TestAssignProcesses(t *testing.T) {
	pgtest.Server(t, "the store's tests")
	storetest.AssignProcesses(t, driver, 4, 300, 400)
}

func TestCrash(t *testing.T) {
	pgtest.Server(t, "the store's tests")
	storetest.Crash(t, driver, storetest.ProofSize(2000, 500))
}

// TestRefuse opens schemas that are not promoc's: each is refused with a
// clear error and left as it was.
func TestRefuse(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup string
		want  error
		msg   string
	}{
		{"another app's tables", `CREATE TABLE invoices (id int); CREATE TABLE customers (id int)`,
			store.ErrNotOurs, "it has tables of another application (customers, invoices)"},
		{"a newer promoc", "", store.ErrNewerSchema, fmt.Sprintf("schema version 999, this promoc knows up to %d", migrations(t))},
		{"a broken promoc_schema", `CREATE TABLE promoc_schema (v text)`, store.ErrNotOurs, "promoc_schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := newSchema(t)
			conn, err := pgx.Connect(ctx, addr)
			require.NoError(t, err)
			defer conn.Close(ctx)
			if tt.setup != "" {
				_, err = conn.Exec(ctx, tt.setup)
				require.NoError(t, err)
			} else {
				s, err := postgres.Open(ctx, addr)
				require.NoError(t, err)
				s.Close()
				_, err = conn.Exec(ctx, `UPDATE promoc_schema SET version = 999`)
				require.NoError(t, err)
			}
			before := dump(t, conn)
			_, err = postgres.Open(ctx, addr)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.msg)
			assert.Equal(t, before, dump(t, conn), "the schema was changed")
		})
	}
}

// dump lists the tables and columns of the current schema.
func dump(t *testing.T, conn *pgx.Conn) string {
	rows, err := conn.Query(context.Background(), `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
	require.NoError(t, err)
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var tb, c, ty string
		require.NoError(t, rows.Scan(&tb, &c, &ty))
		fmt.Fprintf(&b, "%s.%s %s\n", tb, c, ty)
	}
	require.NoError(t, rows.Err())
	return b.String()
}

func BenchmarkReserve(b *testing.B) {
	pgtest.Server(b, "the store's benchmarks")
	b.Run("one-tx-each", func(b *testing.B) { storetest.BenchReserve(b, driver, 1, false) })
	b.Run("parallel-one-tx-each", func(b *testing.B) { storetest.BenchReserve(b, driver, 1, true) })
	b.Run("batch-100", func(b *testing.B) { storetest.BenchReserve(b, driver, 100, false) })
}

// TestMigrateFrom1 opens a schema of version 1 with data in it: migration
// 0002 keeps every event id and player, and the new parts work.
func TestMigrateFrom1(t *testing.T) {
	ctx := context.Background()
	addr := newSchema(t)
	v1, err := os.ReadFile("migrations/0001_init.sql")
	require.NoError(t, err)
	conn, err := pgx.Connect(ctx, addr)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, string(v1))
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `UPDATE promoc_schema SET version = 1;
		INSERT INTO events_seen (player, event_id, hash) VALUES ('p1', 'old', '\x0102');
		INSERT INTO players (player, zone, props) VALUES ('p1', 'Europe/Malta', '\x7b7d');
		INSERT INTO rule_state (player, rule, version, data) VALUES ('p1', 'r', 3, '\x78');
		INSERT INTO idempotency_keys (rule, action, player, trigger_hash) VALUES ('r', 'a', 'p1', 't');
		INSERT INTO outcomes (seq, rule, action, player, trigger_hash, campaign, status, reason, amount, currency, body, at_ns)
			VALUES (1, 'r', 'a', 'p1', 't', '', 'issued', '', '5', 'EUR', '\x7b7d', 0);
		INSERT INTO outbox (seq) VALUES (1)`)
	require.NoError(t, err)

	s, err := postgres.Open(ctx, addr)
	require.NoError(t, err)
	defer s.Close()
	storetest.CheckMigratedFrom1(t, s)
}

func BenchmarkApplyBatch(b *testing.B) {
	pgtest.Server(b, "the store's benchmarks")
	for _, n := range []int{1, 64, 512} {
		b.Run(fmt.Sprint("batch-", n), func(b *testing.B) { storetest.BenchApply(b, driver, n, 1000) })
	}
}

func BenchmarkImportVouchers(b *testing.B) {
	pgtest.Server(b, "the store's benchmarks")
	storetest.BenchImportVouchers(b, driver)
}

func BenchmarkAssign(b *testing.B) {
	pgtest.Server(b, "the store's benchmarks")
	storetest.BenchAssign(b, driver)
}

// BenchmarkAssignPool1M assigns from a pool of 1,000,000 codes.
func BenchmarkAssignPool1M(b *testing.B) {
	pgtest.Server(b, "the store's benchmarks")
	storetest.BenchAssignPool(b, driver, 1_000_000)
}

// migrations is the number of the driver's migrations: the newest schema
// version it knows.
func migrations(t *testing.T) int {
	ents, err := os.ReadDir("migrations")
	require.NoError(t, err)
	return len(ents)
}

func BenchmarkErase(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint("outcomes-", n), func(b *testing.B) { storetest.BenchErase(b, driver, n) })
	}
}

func TestSliceRace(t *testing.T) {
	pgtest.Server(t, "the store's tests")
	storetest.SliceRace(t, driver, 4, 16, raceN(), 1)
}

func TestSliceRaceProcesses(t *testing.T) {
	pgtest.Server(t, "the store's tests")
	storetest.SliceRaceProcesses(t, driver, 4, raceN(), 1)
}

func TestSliceKill(t *testing.T) {
	pgtest.Server(t, "the store's tests")
	storetest.SliceKill(t, driver, 1000)
}

// BenchmarkReserveProcesses: one hot budget, 4 processes, one reservation
// a transaction, budget slices off and on (spec/scaling.md).
func BenchmarkReserveProcesses(b *testing.B) {
	pgtest.Server(b, "the store's benchmarks")
	b.Run("no-budget", func(b *testing.B) { storetest.BenchReserveProcesses(b, driver, 4, false, false) })
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprint("slices=", on), func(b *testing.B) { storetest.BenchReserveProcesses(b, driver, 4, true, on) })
	}
}

// TestAuditLogAppendOnly: the database itself refuses to change or drop an
// entry of the audit log, except for an entry's target, before and after
// while the transaction holds the row of audit_erasing (an erasure's).
func TestAuditLogAppendOnly(t *testing.T) {
	ctx := context.Background()
	addr := newFresh(t)
	s, err := postgres.Open(ctx, addr)
	require.NoError(t, err)
	defer s.Close()
	_, err = s.AppendAudit(ctx, store.AuditEntry{At: time.Unix(1, 0), Actor: "k1", Action: "campaign.suspend", Target: "welcome"})
	require.NoError(t, err)
	conn, err := pgx.Connect(ctx, addr)
	require.NoError(t, err)
	defer conn.Close(ctx)
	for _, q := range []string{`UPDATE audit_log SET actor = 'someone else'`, `UPDATE audit_log SET target = 'x'`, `DELETE FROM audit_log`} {
		_, err = conn.Exec(ctx, q)
		assert.ErrorContains(t, err, "the audit log is append-only", q)
	}

	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, `INSERT INTO audit_erasing (one) VALUES (1)`)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, `SAVEPOINT a`)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, `UPDATE audit_log SET actor = 'someone else'`)
	assert.ErrorContains(t, err, "the audit log is append-only", "an entry's actor never changes")
	_, err = tx.Exec(ctx, `ROLLBACK TO SAVEPOINT a`)
	require.NoError(t, err)
	n, err := tx.Exec(ctx, `UPDATE audit_log SET target = 'x', before = 'null', after = 'null'`)
	require.NoError(t, err, "an erasure's transaction rewrites an entry's target")
	assert.Equal(t, int64(1), n.RowsAffected())
}

func TestSliceFailures(t *testing.T) {
	storetest.SliceFailures(t, driver, func(t testing.TB, addr, table string) func() {
		exec := func(q string) {
			conn, err := pgx.Connect(context.Background(), addr)
			require.NoError(t, err)
			defer conn.Close(context.Background())
			_, err = conn.Exec(context.Background(), q)
			require.NoError(t, err)
		}
		exec(`CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
			CREATE TRIGGER refuse_update BEFORE UPDATE ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION refuse_update()`)
		return func() { exec(`DROP TRIGGER refuse_update ON ` + table + `; DROP FUNCTION refuse_update()`) }
	})
}

// TestErasuresByPseudonym: a confirmation can ask whether its player was
// erased by the index of the erasures' pseudonyms, not by reading every
// erasure (migration 0023; the planner is kept off a sequential scan,
// which it prefers on a table this small).
func TestErasuresByPseudonym(t *testing.T) {
	ctx := context.Background()
	addr := newFresh(t)
	s, err := postgres.Open(ctx, addr)
	require.NoError(t, err)
	s.Close()
	conn, err := pgx.Connect(ctx, addr)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `SET enable_seqscan = off`)
	require.NoError(t, err)
	rows, err := conn.Query(ctx, `EXPLAIN (COSTS OFF) SELECT count(*) FROM erasures WHERE pseudonym = 'x'`)
	require.NoError(t, err)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	assert.Regexp(t, `Index (Only )?Scan (using|on) erasures_pseudonym`, strings.Join(lines, "\n"))
}
