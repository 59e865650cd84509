package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
	"github.com/promoc/promoc/runtime/store/storetest"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var driver = storetest.Driver{
	Name: "sqlite",
	New:  func(t testing.TB) string { return filepath.Join(t.TempDir(), "promoc.db") },
	Open: func(ctx context.Context, addr string) (store.Store, error) { return sqlite.Open(ctx, addr) },
	Fresh: func(ctx context.Context, addr string) (store.Store, error) {
		return sqlite.OpenFresh(ctx, addr, sqlite.Options{})
	},
}

func TestMain(m *testing.M) {
	storetest.Child(driver)
	os.Exit(m.Run())
}

func TestConformance(t *testing.T) { storetest.Run(t, driver) }

func raceN(t *testing.T) int {
	if testing.Short() {
		return 2000
	}
	return 10000
}

// The races and the crash run at full size under storetest.EnvProofFull
// (.ci/run, under the race detector); the slices' races, which CI runs only
// here, at raceN.
func TestRace(t *testing.T) { storetest.Race(t, driver, 16, storetest.ProofSize(10000, 2000), 1) }
func TestRaceBatched(t *testing.T) {
	storetest.Race(t, driver, 16, storetest.ProofSize(10000, 2000), 50)
}

func TestAssignProcesses(t *testing.T) { storetest.AssignProcesses(t, driver, 4, 300, 400) }

func TestCrash(t *testing.T) { storetest.Crash(t, driver, storetest.ProofSize(3000, 600)) }

// TestRefuse opens files that are not promoc's: each is refused with a
// clear error and left byte for byte as it was.
func TestRefuse(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	random := filepath.Join(dir, "random.bin")
	require.NoError(t, os.WriteFile(random, []byte("PK\x03\x04 this is a zip, or anything but SQLite ......................................................"), 0o644))

	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	require.NoError(t, err)
	_, err = db.Exec(`CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT); INSERT INTO invoices (total) VALUES ('12.50')`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	otherApp := filepath.Join(dir, "other-app.db")
	db, err = sql.Open("sqlite", otherApp)
	require.NoError(t, err)
	_, err = db.Exec(`PRAGMA application_id = 1234; CREATE TABLE t (x)`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	future := filepath.Join(dir, "future.db")
	s, err := sqlite.Open(ctx, future)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	db, err = sql.Open("sqlite", future)
	require.NoError(t, err)
	_, err = db.Exec(`PRAGMA journal_mode = DELETE; PRAGMA user_version = 999`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	tests := []struct {
		name, path string
		want       error
		msg        string
	}{
		{"random file", random, store.ErrNotOurs, "it is not an SQLite database"},
		{"another app's database", other, store.ErrNotOurs, "an SQLite database of another application (application id 0x0, 1 schema objects)"},
		{"another app's id", otherApp, store.ErrNotOurs, "application id 0x4d2"},
		{"a newer promoc", future, store.ErrNewerSchema, fmt.Sprintf("schema version 999, this promoc knows up to %d", migrations(t))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := os.ReadFile(tt.path)
			require.NoError(t, err)
			_, err = sqlite.Open(ctx, tt.path)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.path+": ")
			assert.Contains(t, err.Error(), tt.msg)
			after, err := os.ReadFile(tt.path)
			require.NoError(t, err)
			assert.Equal(t, before, after, "the file was changed")
		})
	}
}

// TestEmptyFile adopts an empty file: promoc open --db on a file touched
// beforehand works.
func TestEmptyFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "empty.db")
	require.NoError(t, os.WriteFile(p, nil, 0o644))
	s, err := sqlite.Open(context.Background(), p)
	require.NoError(t, err)
	require.NoError(t, s.Close())
}

func BenchmarkReserve(b *testing.B) {
	b.Run("one-tx-each", func(b *testing.B) { storetest.BenchReserve(b, driver, 1, false) })
	b.Run("parallel-one-tx-each", func(b *testing.B) { storetest.BenchReserve(b, driver, 1, true) })
	b.Run("batch-100", func(b *testing.B) { storetest.BenchReserve(b, driver, 100, false) })
}

// TestCorrupt opens a promoc database whose schema page was overwritten:
// a clear error, and the file left as it was.
func TestCorrupt(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "promoc.db")
	s, err := sqlite.Open(ctx, p)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	for i := 100; i < 4096 && i < len(b); i++ {
		b[i] = byte(i * 7)
	}
	require.NoError(t, os.WriteFile(p, b, 0o644))
	_, err = sqlite.Open(ctx, p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), p+": ")
	assert.Contains(t, err.Error(), "malformed")
	after, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, b, after, "the file was changed")
}

// TestAuditFindsTampering changes an account behind the store's back:
// Audit names it.
func TestAuditFindsTampering(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "promoc.db")
	s, err := sqlite.Open(ctx, p)
	require.NoError(t, err)
	require.NoError(t, s.SetBudget(ctx, "c", "EUR", decimal.RequireFromString("100"), time.Time{}))
	_, err = s.Apply(ctx, []store.Change{{Outcomes: []store.Outcome{{Key: store.Key{Rule: "r", Action: "a", Player: "p", TriggerHash: "t"},
		Campaign: "c", Status: store.Issued, Amount: decimal.RequireFromString("10"), Currency: "EUR"}}}})
	require.NoError(t, err)
	require.NoError(t, s.Audit(ctx))
	require.NoError(t, s.Close())

	db, err := sql.Open("sqlite", p)
	require.NoError(t, err)
	_, err = db.Exec(`UPDATE budget_accounts SET posted = posted - 100000000`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s, err = sqlite.Open(ctx, p)
	require.NoError(t, err)
	defer s.Close()
	err = s.Audit(ctx)
	require.ErrorIs(t, err, store.ErrLedger)
	assert.Contains(t, err.Error(), "c in EUR: limit 100, posted 9 (entries 10), reserved 0 (entries 0)")
}

// TestMigrateFrom1 opens a database of schema version 1 with data in it:
// migration 0002 keeps every event id and player, and the new parts work.
func TestMigrateFrom1(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "v1.db")
	v1, err := os.ReadFile("migrations/0001_init.sql")
	require.NoError(t, err)
	db, err := sql.Open("sqlite", p)
	require.NoError(t, err)
	_, err = db.Exec(string(v1))
	require.NoError(t, err)
	_, err = db.Exec(`PRAGMA application_id = 1886547821; PRAGMA user_version = 1;
		INSERT INTO events_seen (player, event_id, hash) VALUES ('p1', 'old', x'0102');
		INSERT INTO players (player, zone, props) VALUES ('p1', 'Europe/Malta', x'7b7d');
		INSERT INTO rule_state (player, rule, version, data) VALUES ('p1', 'r', 3, x'78');
		INSERT INTO idempotency_keys (rule, action, player, trigger_hash) VALUES ('r', 'a', 'p1', 't');
		INSERT INTO outcomes (seq, rule, action, player, trigger_hash, campaign, status, reason, amount, currency, body, at_ns)
			VALUES (1, 'r', 'a', 'p1', 't', '', 'issued', '', '5', 'EUR', x'7b7d', 0);
		INSERT INTO outbox (seq) VALUES (1)`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s, err := sqlite.Open(ctx, p)
	require.NoError(t, err)
	defer s.Close()
	storetest.CheckMigratedFrom1(t, s)
}

func BenchmarkApplyBatch(b *testing.B) {
	for _, n := range []int{1, 64, 512} {
		b.Run(fmt.Sprint("batch-", n), func(b *testing.B) { storetest.BenchApply(b, driver, n, 1000) })
	}
}

// TestMigrateFrom2 opens a database of schema version 2 with a timer and
// an event with a body: migration 0003 rebuilds the tables of timers,
// states, keys and players and keeps their rows.
func TestMigrateFrom2(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "v2.db")
	db, err := sql.Open("sqlite", p)
	require.NoError(t, err)
	for _, f := range []string{"migrations/0001_init.sql", "migrations/0002_engine.sql"} {
		m, err := os.ReadFile(f)
		require.NoError(t, err)
		_, err = db.Exec(string(m))
		require.NoError(t, err, f)
	}
	_, err = db.Exec(`PRAGMA application_id = 1886547821; PRAGMA user_version = 2;
		INSERT INTO timers (player, rule, due_ns) VALUES ('p1', 'winback', 1000000000);
		INSERT INTO events_seen (player, event_id, hash, kind, at_ns, body) VALUES ('p1', 'e', x'01', 'login', 5, x'7b7d');
		INSERT INTO players (player, zone, props) VALUES ('p2', 'Asia/Tokyo', x'7b7d');
		INSERT INTO rule_state (player, rule, version, data) VALUES ('p1', 'winback', 2, x'78')`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s, err := sqlite.Open(ctx, p)
	require.NoError(t, err)
	defer s.Close()
	due, err := s.Due(ctx, time.Unix(1, 0), 10)
	require.NoError(t, err)
	assert.Equal(t, []store.Timer{{Player: "p1", Rule: "winback", Due: time.Unix(1, 0).UTC()}}, due)
	h, err := s.History(ctx, "p1", time.Time{})
	require.NoError(t, err)
	assert.Equal(t, []store.Event{{Player: "p1", ID: "e", Hash: []byte{1}, Kind: "login", At: time.Unix(0, 5).UTC(), Body: []byte("{}")}}, h)
	ps, err := s.PlayersIn(ctx, "Asia/Tokyo", "", 10)
	require.NoError(t, err)
	assert.Equal(t, []store.Player{{ID: "p2", Zone: "Asia/Tokyo", Props: []byte("{}")}}, ps)
	st, err := s.State(ctx, "p1", "winback")
	require.NoError(t, err)
	assert.Equal(t, int64(2), st.Version)
}

// TestInvalidUTF8 keeps ids that are not valid UTF-8 (SQLite stores any
// bytes): they are found again byte for byte by Seen, the states' versions
// and History.
func TestInvalidUTF8(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "promoc.db"))
	require.NoError(t, err)
	defer s.Close()
	p, other := "p\xff", "p\xfe"
	ev := store.Event{Player: p, ID: "e\xff", Hash: []byte{1}, At: time.Unix(1, 0), Body: []byte("b")}
	got, err := s.Apply(ctx, []store.Change{{Event: &ev, States: []store.State{{Player: p, Rule: "r", Data: []byte("1")}}}})
	require.NoError(t, err)
	require.NoError(t, got[0].Err)
	seen, err := s.Seen(ctx, []store.Event{ev, {Player: other, ID: "e\xff", Hash: []byte{1}}})
	require.NoError(t, err)
	assert.Equal(t, []store.SeenStatus{store.SeenSame, store.NotSeen}, seen)
	got, err = s.Apply(ctx, []store.Change{
		{Event: &ev},
		{States: []store.State{{Player: p, Rule: "r", Version: 1, Data: []byte("2")}}},
		{States: []store.State{{Player: other, Rule: "r", Version: 0, Data: []byte("x")}}},
	})
	require.NoError(t, err)
	assert.True(t, got[0].Duplicate)
	require.NoError(t, got[1].Err)
	require.NoError(t, got[2].Err)
	sts, err := s.States(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, []store.State{{Player: p, Rule: "r", Version: 2, Data: []byte("2")}}, sts)
	h, err := s.History(ctx, p, time.Time{})
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, "e\xff", h[0].ID)
}

// TestAuditLogAppendOnly: the database itself refuses to change or drop an
// entry of the audit log, except for an entry's target, before and after
// while the transaction holds the row of audit_erasing (an erasure's).
func TestAuditLogAppendOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "promoc.db")
	s, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	_, err = s.AppendAudit(ctx, store.AuditEntry{At: time.Unix(1, 0), Actor: "k1", Action: "campaign.suspend", Target: "welcome"})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`UPDATE audit_log SET actor = 'someone else'`)
	assert.ErrorContains(t, err, "the audit log is append-only")
	_, err = db.Exec(`UPDATE audit_log SET target = 'x'`)
	assert.ErrorContains(t, err, "the audit log is append-only", "an entry's target changes only in an erasure's transaction")
	_, err = db.Exec(`DELETE FROM audit_log`)
	assert.ErrorContains(t, err, "the audit log is append-only")

	// While the transaction holds the row of audit_erasing (an
	// erasure's), an entry's target, before and after change; its actor
	// does not.
	tx, err := db.Begin()
	require.NoError(t, err)
	defer tx.Rollback()
	_, err = tx.Exec(`INSERT INTO audit_erasing (one) VALUES (1)`)
	require.NoError(t, err)
	_, err = tx.Exec(`UPDATE audit_log SET actor = 'someone else'`)
	assert.ErrorContains(t, err, "the audit log is append-only", "an entry's actor never changes")
	r, err := tx.Exec(`UPDATE audit_log SET target = 'x', before = 'null', after = 'null'`)
	require.NoError(t, err, "an erasure's transaction rewrites an entry's target")
	n, err := r.RowsAffected()
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
}

func BenchmarkErase(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint("outcomes-", n), func(b *testing.B) { storetest.BenchErase(b, driver, n) })
	}
}

func BenchmarkImportVouchers(b *testing.B) {
	storetest.BenchImportVouchers(b, driver)
}

func BenchmarkAssign(b *testing.B) {
	storetest.BenchAssign(b, driver)
}

// BenchmarkAssignPool1M assigns from a pool of 1,000,000 codes.
func BenchmarkAssignPool1M(b *testing.B) {
	storetest.BenchAssignPool(b, driver, 1_000_000)
}

// migrations is the number of the driver's migrations: the newest schema
// version it knows.
func migrations(t *testing.T) int {
	ents, err := os.ReadDir("migrations")
	require.NoError(t, err)
	return len(ents)
}

func TestSliceRaceProcesses(t *testing.T) { storetest.SliceRaceProcesses(t, driver, 4, raceN(t), 1) }

func TestSliceKill(t *testing.T) { storetest.SliceKill(t, driver, 500) }

func TestSliceFailures(t *testing.T) {
	storetest.SliceFailures(t, driver, func(t testing.TB, path, table string) func() {
		db, err := sql.Open("sqlite", path)
		require.NoError(t, err)
		defer db.Close()
		_, err = db.Exec(`CREATE TRIGGER refuse_update BEFORE UPDATE ON ` + table + ` BEGIN SELECT RAISE(ABORT, 'refused'); END`)
		require.NoError(t, err)
		return func() {
			db, err := sql.Open("sqlite", path)
			require.NoError(t, err)
			defer db.Close()
			_, err = db.Exec(`DROP TRIGGER refuse_update`)
			require.NoError(t, err)
		}
	})
}

// TestMigrateFrom23 opens a database of schema version 23 with a state in
// it: migration 0024 rebuilds rule_state, still WITHOUT ROWID on the key
// (player, rule), keeps the row, and the batch path updates it.
func TestMigrateFrom23(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "v23.db")
	db, err := sql.Open("sqlite", p)
	require.NoError(t, err)
	ents, err := os.ReadDir("migrations")
	require.NoError(t, err)
	for _, e := range ents[:23] {
		m, err := os.ReadFile(filepath.Join("migrations", e.Name()))
		require.NoError(t, err)
		_, err = db.Exec(string(m))
		require.NoError(t, err, e.Name())
	}
	_, err = db.Exec(`PRAGMA application_id = 1886547821; PRAGMA user_version = 23;
		INSERT INTO rule_state (player, rule, version, data) VALUES ('p1', 'r', 2, x'7b7d')`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s, err := sqlite.Open(ctx, p)
	require.NoError(t, err)
	st, err := s.State(ctx, "p1", "r")
	require.NoError(t, err)
	assert.Equal(t, store.State{Player: "p1", Rule: "r", Version: 2, Data: []byte("{}")}, st)
	_, err = s.Apply(ctx, []store.Change{{States: []store.State{{Player: "p1", Rule: "r", Version: 2, Data: []byte(`{"n":1}`)}}}})
	require.NoError(t, err)
	st, err = s.State(ctx, "p1", "r")
	require.NoError(t, err)
	assert.Equal(t, int64(3), st.Version)
	require.NoError(t, s.Close())

	db, err = sql.Open("sqlite", p)
	require.NoError(t, err)
	defer db.Close()
	var wr int
	require.NoError(t, db.QueryRow(`SELECT wr FROM pragma_table_list WHERE name = 'rule_state'`).Scan(&wr))
	assert.Equal(t, 1, wr, "WITHOUT ROWID")
	var key []string
	rows, err := db.Query(`SELECT name FROM pragma_table_info('rule_state') WHERE pk > 0 ORDER BY pk`)
	require.NoError(t, err)
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		key = append(key, n)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"player", "rule"}, key)
}

// TestMigrateOutbox opens a database of schema version 24 whose outbox has
// outcomes 1 and 3 delivered and 2 and 4 pending: migration 0025 (the
// outbox is the log) keeps each as it was, and Delivered moves the mark
// past the outcomes delivered without a gap.
func TestMigrateOutbox(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "v24.db")
	db, err := sql.Open("sqlite", p)
	require.NoError(t, err)
	ms, err := filepath.Glob("migrations/*.sql")
	require.NoError(t, err)
	for _, f := range ms[:24] {
		m, err := os.ReadFile(f)
		require.NoError(t, err)
		_, err = db.Exec(string(m))
		require.NoError(t, err, f)
	}
	_, err = db.Exec(`PRAGMA application_id = 1886547821; PRAGMA user_version = 24`)
	require.NoError(t, err)
	for seq := 1; seq <= 4; seq++ {
		_, err = db.Exec(`INSERT INTO outcomes (seq, rule, action, player, trigger_hash, campaign, status, reason, amount, currency, body, at_ns)
			VALUES ($1, 'r', 'a', 'p1', $2, '', 'issued', '', '5', 'EUR', x'7b7d', 0)`, seq, fmt.Sprint("t", seq))
		require.NoError(t, err)
		_, err = db.Exec(`INSERT INTO outbox (seq, delivered_ns) VALUES ($1, $2)`, seq, (seq%2)*7)
		require.NoError(t, err)
	}
	require.NoError(t, db.Close())

	s, err := sqlite.Open(ctx, p)
	require.NoError(t, err)
	defer s.Close()
	seqs := func() []int64 {
		box, err := s.Outbox(ctx, 10)
		require.NoError(t, err)
		var out []int64
		for _, o := range box {
			out = append(out, o.Seq)
		}
		return out
	}
	assert.Equal(t, []int64{2, 4}, seqs())
	require.NoError(t, s.Delivered(ctx, []int64{4, 1, 99}, time.Unix(1, 0)))
	assert.Equal(t, []int64{2}, seqs())
	require.NoError(t, s.Delivered(ctx, []int64{2}, time.Unix(2, 0)))
	assert.Empty(t, seqs())
	require.NoError(t, s.Delivered(ctx, []int64{2, 3}, time.Unix(3, 0)))
	assert.Empty(t, seqs())
}

// TestErasuresByPseudonym: a confirmation asks whether its player was
// erased by the index of the erasures' pseudonyms, not by reading every
// erasure (migration 0026).
func TestErasuresByPseudonym(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.db")
	s, err := sqlite.Open(context.Background(), p)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	db, err := sql.Open("sqlite", p)
	require.NoError(t, err)
	defer db.Close()
	var id, parent, unused int
	var plan string
	require.NoError(t, db.QueryRow(`EXPLAIN QUERY PLAN SELECT count(*) FROM erasures WHERE pseudonym = 'x'`).Scan(&id, &parent, &unused, &plan))
	assert.Equal(t, "SEARCH erasures USING COVERING INDEX erasures_pseudonym (pseudonym=?)", plan)
}

// TestConfirmStoredWithSpaces: an assignment confirmed with " POS-1 "
// before Confirm dropped the spaces around a code keeps that confirmation;
// the point of sale sending it again (its retry, which handles an event not
// handled yet) is the same confirmation, not another code (ErrConfirmed).
func TestConfirmStoredWithSpaces(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "s.db")
	s, err := sqlite.Open(ctx, p)
	require.NoError(t, err)
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "spa", RequiresVouchers: true, NeedsSync: true}))
	_, err = s.ImportVouchers(ctx, "spa", []string{"A"}, time.Unix(1, 0))
	require.NoError(t, err)
	as, err := s.Assign(ctx, "spa", []string{"p1"}, time.Unix(1, 0))
	require.NoError(t, err)
	want, err := s.Confirm(ctx, as[0].Ref, "POS-1", time.Unix(2, 0))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	db, err := sql.Open("sqlite", p)
	require.NoError(t, err)
	_, err = db.Exec(`UPDATE offer_assignments SET confirmation = ' POS-1 ' WHERE ref = $1`, as[0].Ref)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s, err = sqlite.Open(ctx, p)
	require.NoError(t, err)
	defer s.Close()
	want.Confirmation = " POS-1 "
	for _, code := range []string{" POS-1 ", "POS-1"} {
		got, err := s.Confirm(ctx, as[0].Ref, code, time.Unix(3, 0))
		require.NoError(t, err, "%q", code)
		assert.Equal(t, want, got, "%q: as stored", code)
	}
	got, err := s.Confirm(ctx, as[0].Ref, "POS-2", time.Unix(3, 0))
	assert.ErrorIs(t, err, store.ErrConfirmed)
	assert.Equal(t, want, got)
}
