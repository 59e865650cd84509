package server_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres"
	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// ruleSetFiles is the rule set of testdata/rules with welcome_ten giving
// amount EUR, and a test that expects want.
func ruleSetFiles(t testing.TB, amount, want string) map[string]string {
	t.Helper()
	src, err := os.ReadFile("testdata/rules/rules.promo")
	require.NoError(t, err)
	rules := strings.Replace(string(src), "give 10 EUR", "give "+amount+" EUR", 1)
	require.NotEqual(t, string(src) == rules, amount != "10", "the rules changed")
	return map[string]string{
		"rules.promo": rules,
		"rules_test.promo": `test "welcome" {
	reward welcome_ten
	load "fixtures/player.json"
	now 2026-11-02 10:00
	player { currency EUR }

	expect calculated ` + want + ` EUR
}
`,
		"fixtures/player.json": `{"now": "2026-11-02T10:00:00Z", "player": {"id": "p", "currency": "EUR"}}`,
		"README.md":            "not part of the rule set",
	}
}

// versionOf is the version of a rule set's files.
func versionOf(t testing.TB, files map[string]string) string {
	t.Helper()
	prog, err := runtime.CompileSources([]runtime.Source{{Name: "rules.promo", Text: []byte(files["rules.promo"])}})
	require.NoError(t, err)
	return prog.Version()
}

func (h *harness) deploy(files map[string]string) response {
	h.t.Helper()
	return h.do(call{method: "POST", path: "/v1/rulesets", role: server.Operator, body: map[string]any{"files": files}})
}

// welcome sends a new player's first deposit and returns the amount of
// the welcome bonus and the version that gave it.
func (h *harness) welcome(player string, at time.Time) (string, string) {
	h.t.Helper()
	r := h.events([]any{reg("r-"+player, player, at), ev("d-"+player, player, "deposit", at.Add(time.Minute), "amount", "50.00", "method", "card")})
	require.Equal(h.t, 200, r.status, "%s", r.raw)
	for _, o := range r.json["outcomes"].([]any) {
		o := o.(map[string]any)
		if o["rule"] == "first_deposit_bonus" {
			amount, _ := o["amount"].(string)
			return amount, o["rule_set_version"].(string)
		}
	}
	h.t.Fatalf("no welcome bonus for %s: %s", player, r.raw)
	return "", ""
}

func TestDeployRuleSet(t *testing.T) {
	h := newHarness(t)
	v1 := compile(t).Version()

	// A rule set that does not check: 422 naming file:line:col, nothing
	// changes.
	bad := ruleSetFiles(t, "15", "15.00")
	bad["rules.promo"] = strings.Replace(bad["rules.promo"], "give 15 EUR", "give 15 EUR + discount", 1)
	r := h.deploy(bad)
	assert.Equal(t, 422, r.status, "%s", r.raw)
	assert.Equal(t, server.CodeInvalidRuleSet, r.code())
	assert.Regexp(t, `^rules\.promo:\d+:\d+: error: undefined: discount`, r.json["message"])
	diags := r.json["details"].(map[string]any)["diagnostics"].([]any)
	require.NotEmpty(t, diags)
	assert.Equal(t, "rules.promo", diags[0].(map[string]any)["file"])

	// A rule set whose test fails: 422 naming the test, nothing changes.
	r = h.deploy(ruleSetFiles(t, "15", "10.00"))
	assert.Equal(t, 422, r.status, "%s", r.raw)
	assert.Equal(t, server.CodeRuleSetTestsFailed, r.code())
	assert.Contains(t, r.json["message"], `1 of 1 test failed: rules_test.promo:1:1: test "welcome": rules_test.promo:7:2: expected calculated 10.00 EUR, got calculated 15.00 EUR`)
	assert.Contains(t, r.json["details"].(map[string]any)["report"], "FAIL")

	// A test file that does not check, a fixture missing, a bad name.
	broken := ruleSetFiles(t, "15", "15.00")
	delete(broken, "fixtures/player.json")
	r = h.deploy(broken)
	assert.Equal(t, server.CodeInvalidRuleSet, r.code())
	assert.Regexp(t, `^rules_test\.promo:3:7: error: fixture fixtures/player\.json`, r.json["message"])
	for _, name := range []string{"../rules.promo", "/rules.promo", "a//b.promo", "./rules.promo", `a\b.promo`} {
		files := ruleSetFiles(t, "15", "15.00")
		files[name] = "x"
		r = h.deploy(files)
		assert.Equal(t, server.CodeInvalidRuleSet, r.code(), name)
		assert.Contains(t, r.json["message"], "expected a relative path", name)
	}
	r = h.deploy(map[string]string{"fixtures/x.promo": "reward r: amount { give 1 EUR }"})
	assert.Equal(t, server.CodeInvalidRuleSet, r.code())
	assert.Contains(t, r.json["message"], "no rule files")
	r = h.do(call{method: "POST", path: "/v1/rulesets", role: server.Operator, body: `{"files": {}}`})
	assert.Equal(t, server.CodeInvalidJSON, r.code())

	amount, version := h.welcome("p1", t0)
	assert.Equal(t, "10.00", amount)
	assert.Equal(t, v1, version, "nothing refused changed the running rules")
	list := h.do(call{method: "GET", path: "/v1/rulesets", role: server.Viewer})
	assert.Equal(t, 200, list.status, "%s", list.raw)
	assert.Empty(t, list.json["versions"], "nothing refused was stored")
	assert.Equal(t, v1, list.json["running"])

	// A rule set that checks and passes its tests replaces the running one.
	v2files := ruleSetFiles(t, "15", "15.00")
	v2 := versionOf(t, v2files)
	r = h.deploy(v2files)
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, v2, r.json["version"])
	assert.Equal(t, true, r.json["changed"])
	assert.Equal(t, v1, r.json["previous"])
	assert.EqualValues(t, 1, r.json["tests"])
	assert.Equal(t, []any{"fixtures/player.json", "rules.promo", "rules_test.promo"}, r.json["files"])
	assert.Equal(t, []any{"README.md"}, r.json["ignored"])
	amount, version = h.welcome("p2", t0)
	assert.Equal(t, "15.00", amount)
	assert.Equal(t, v2, version, "the outcome records the version that gave it")
	var rs map[string]any
	r = h.do(call{method: "GET", path: "/readyz"})
	assert.Equal(t, v2, r.json["rule_set_version"])
	m := h.do(call{method: "GET", path: "/metrics", role: server.Viewer})
	assert.Contains(t, string(m.raw), `promoc_rule_set_running{version="`+v2+`"} 1`)
	assert.NotContains(t, string(m.raw), v1, "one version running")

	// The same again: nothing recorded.
	r = h.deploy(v2files)
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, false, r.json["changed"])

	// As a tar archive, as curl sends a directory.
	v3files := ruleSetFiles(t, "12", "12.00")
	v3 := versionOf(t, v3files)
	r = h.do(call{method: "POST", path: "/v1/rulesets", role: server.Operator, body: tarOf(t, v3files),
		headers: []string{"Content-Type", "application/x-tar"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, v3, r.json["version"])
	amount, _ = h.welcome("p3", t0)
	assert.Equal(t, "12.00", amount)
	r = h.do(call{method: "POST", path: "/v1/rulesets", role: server.Operator, body: "not a tar", headers: []string{"Content-Type", "application/x-tar"}})
	assert.Equal(t, server.CodeInvalidArchive, r.code())
	r = h.do(call{method: "POST", path: "/v1/rulesets", role: server.Operator, body: "x", headers: []string{"Content-Type", "text/plain"}})
	assert.Equal(t, 415, r.status)

	// Roll back: to the one before, then to one named.
	r = h.do(call{method: "POST", path: "/v1/rulesets/rollback", role: server.Operator, body: "{}"})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, v2, r.json["version"])
	assert.Equal(t, "rollback", r.json["deployment"].(map[string]any)["action"])
	amount, version = h.welcome("p4", t0)
	assert.Equal(t, "15.00", amount)
	assert.Equal(t, v2, version)
	r = h.do(call{method: "POST", path: "/v1/rulesets/rollback", role: server.Operator, body: map[string]string{"version": v3}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	r = h.do(call{method: "POST", path: "/v1/rulesets/rollback", role: server.Operator, body: map[string]string{"version": v1}})
	assert.Equal(t, 404, r.status, "the rules of the directory were never stored: %s", r.raw)

	list = h.do(call{method: "GET", path: "/v1/rulesets", role: server.Viewer})
	require.NoError(t, jsonInto(list.raw, &rs))
	assert.Equal(t, v3, rs["active"])
	assert.Equal(t, v3, rs["running"])
	active := map[string]any{}
	for _, v := range rs["versions"].([]any) {
		v := v.(map[string]any)
		active[v["version"].(string)] = v["active"]
		assert.Equal(t, h.srvKeyID(server.Operator), v["uploaded_by"])
	}
	assert.Equal(t, map[string]any{v2: false, v3: true}, active)
	var actions []string
	for _, d := range rs["deployments"].([]any) {
		actions = append(actions, d.(map[string]any)["action"].(string))
	}
	assert.Equal(t, []string{"upload", "upload", "rollback", "rollback"}, actions)

	// Each change is in the audit log, with the key that made it.
	audit, err := h.st.AuditLog(context.Background(), 0, 100)
	require.NoError(t, err)
	var got []string
	for _, e := range audit {
		got = append(got, e.Action+" "+e.Target)
	}
	assert.Equal(t, []string{"ruleset.upload " + v2, "ruleset.upload " + v3, "ruleset.rollback " + v2, "ruleset.rollback " + v3}, got)
}

// srvKeyID is the id of the harness's key of a role.
func (h *harness) srvKeyID(r server.Role) string {
	h.t.Helper()
	k, ok, err := h.st.KeyByHash(context.Background(), server.HashKey(h.keys[r]))
	require.NoError(h.t, err)
	require.True(h.t, ok)
	return k.ID
}

func jsonInto(b []byte, v any) error { return json.Unmarshal(b, v) }

// openStoreAt opens the SQLite store of a file, closed when the test ends.
func openStoreAt(t testing.TB, path string) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func outcomeOf(o store.Outcome) (engine.Outcome, error) { return engine.OutcomeOf(o) }

// tarOf is a tar archive of files, with a folder entry and ./ names, as
// tar -C DIR -cf - . writes it.
func tarOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755}))
	for name, text := range files {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: "./" + name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(text))}))
		_, err := tw.Write([]byte(text))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

// TestRuleSetRestart: a version deployed through the API wins over the
// directory at the next start; a directory recorded at a start (a seed)
// does not win over the next start's directory.
func TestRuleSetRestart(t *testing.T) {
	path := t.TempDir() + "/promoc.db"
	st := openStoreAt(t, path)
	seed := func(c *server.Config) {
		var err error
		c.Seed, err = server.ReadRuleSetDir("testdata/rules")
		require.NoError(t, err)
	}
	h := newHarnessOn(t, st, seed)
	v1 := compile(t).Version()
	list := h.do(call{method: "GET", path: "/v1/rulesets", role: server.Viewer})
	assert.Equal(t, v1, list.json["active"], "the directory is recorded: %s", list.raw)

	// Another directory at the next start: it runs, recorded too.
	other := ruleSetFiles(t, "11", "11.00")
	h2 := newHarnessOn(t, st, func(c *server.Config) {
		var err error
		c.Program, err = runtime.CompileSources([]runtime.Source{{Name: "rules.promo", Text: []byte(other["rules.promo"])}})
		require.NoError(t, err)
		c.Seed = []store.RuleSetFile{{Name: "rules.promo", Data: []byte(other["rules.promo"])}}
	})
	amount, _ := h2.welcome("p1", t0)
	assert.Equal(t, "11.00", amount)

	// A deployment through the API wins over the directory from then on.
	v2files := ruleSetFiles(t, "15", "15.00")
	require.Equal(t, 200, h2.deploy(v2files).status)
	require.NoError(t, st.Close())
	logs := &syncBuffer{}
	h3 := newHarnessOn(t, openStoreAt(t, path), seed, func(c *server.Config) { c.Logger = newLogger(logs) })
	amount, version := h3.welcome("p2", t0)
	assert.Equal(t, "15.00", amount)
	assert.Equal(t, versionOf(t, v2files), version)
	assert.Contains(t, logs.String(), "running the rule set version deployed through the API, not the directory's")
	list = h3.do(call{method: "GET", path: "/v1/rulesets", role: server.Viewer})
	assert.Len(t, list.json["deployments"], 3, "seed, seed, upload: %s", list.raw)

	// Without a directory, the active version runs.
	h4 := newHarnessOn(t, openStoreAt(t, path), func(c *server.Config) { c.Program = nil })
	amount, _ = h4.welcome("p3", t0)
	assert.Equal(t, "15.00", amount)
	_, err := server.New(context.Background(), server.Config{Store: openStore(t)})
	assert.ErrorContains(t, err, "no rule set")
}

// TestRuleSetSwapUnderLoad deploys versions again and again while players
// send their events one request at a time: each player's counters (three
// bets a batch, at most two rewards) and each budget come out as if no
// swap happened, and every outcome names one of the versions.
func TestRuleSetSwapUnderLoad(t *testing.T) {
	h := newHarness(t)
	versions := map[string]bool{compile(t).Version(): true}
	var sets []map[string]string
	for _, a := range []string{"11", "12", "13"} {
		f := ruleSetFiles(t, a, a+".00")
		sets = append(sets, f)
		versions[versionOf(t, f)] = true
	}
	const players, bets = 12, 9
	var wg sync.WaitGroup
	done := make(chan struct{})
	deploys := 0
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			r := h.deploy(sets[i%len(sets)])
			assert.Equal(t, 200, r.status, "%s", r.raw)
			deploys++
		}
	})
	var pw sync.WaitGroup
	for p := range players {
		pw.Go(func() {
			id := fmt.Sprintf("p%d", p)
			at := t0
			r := h.events([]any{reg("r-"+id, id, at), ev("d-"+id, id, "deposit", at.Add(time.Second), "amount", "100.00", "method", "card")})
			assert.Equal(t, 200, r.status, "%s", r.raw)
			for b := range bets {
				at = at.Add(time.Minute)
				r := h.events(ev(fmt.Sprintf("b%d-%s", b, id), id, "bet", at, "amount", "10.00", "game", "slots"))
				assert.Equal(t, 200, r.status, "%s", r.raw)
			}
		})
	}
	pw.Wait()
	close(done)
	wg.Wait()
	t.Logf("%d players × %d bets, one request each, while %d deployments swapped the engine", players, bets, deploys)

	require.NoError(t, h.st.Audit(context.Background()))
	byPlayer := map[string][]string{}
	welcome := 0
	for _, o := range h.outcomes() {
		eo, err := outcomeOf(o)
		require.NoError(t, err)
		assert.True(t, versions[eo.RuleSetVersion], "outcome %d: version %s", o.Seq, eo.RuleSetVersion)
		switch o.Key.Rule {
		case "every_three_bets":
			byPlayer[o.Key.Player] = append(byPlayer[o.Key.Player], string(o.Status)+" "+o.Reason)
		case "first_deposit_bonus":
			welcome++
		}
	}
	require.Len(t, byPlayer, players)
	for p, got := range byPlayer {
		assert.Equal(t, []string{"issued ", "issued ", "skipped qualification-limit"}, got, p)
	}
	assert.Equal(t, players, welcome, "one first deposit each")
	bs, err := h.st.Budgets(context.Background(), "first_deposit_bonus")
	require.NoError(t, err)
	require.Len(t, bs, 1)
	assert.True(t, bs[0].Posted.LessThanOrEqual(bs[0].Limit), "posted %s, limit %s", bs[0].Posted, bs[0].Limit)
}

// TestRuleSetOtherProcess: a process follows what another deployed on the
// same database within its Poll.
func TestRuleSetOtherProcess(t *testing.T) {
	path := t.TempDir() + "/promoc.db"
	a := newHarnessOn(t, openStoreAt(t, path))
	b := newHarnessOn(t, openStoreAt(t, path), func(c *server.Config) { c.Poll = 10 * time.Millisecond })
	_, stop := serve(t, b.srv)
	defer stop()
	v2files := ruleSetFiles(t, "15", "15.00")
	require.Equal(t, 200, a.deploy(v2files).status)
	v2 := versionOf(t, v2files)
	require.Eventually(t, func() bool {
		rec := httptest.NewRecorder()
		b.h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return strings.Contains(rec.Body.String(), v2)
	}, 5*time.Second, 5*time.Millisecond, "the other process runs the version deployed")
	amount, version := b.welcome("p1", t0)
	assert.Equal(t, "15.00", amount)
	assert.Equal(t, v2, version)
}

// TestRuleSetOtherProcessPostgres: two processes on one PostgreSQL
// database; a deployment through one runs in the other within its Poll,
// and so does a rollback.
func TestRuleSetOtherProcessPostgres(t *testing.T) {
	dsn := pgtest.Fresh(t, "the server's tests")
	open := func() store.Store {
		st, err := postgres.Open(context.Background(), dsn)
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		return st
	}
	a := newHarnessOn(t, open(), func(c *server.Config) { c.Poll = 10 * time.Millisecond })
	b := newHarnessOn(t, open(), func(c *server.Config) { c.Poll = 10 * time.Millisecond })
	_, stopA := serve(t, a.srv)
	defer stopA()
	_, stopB := serve(t, b.srv)
	defer stopB()
	runs := func(h *harness, version string) func() bool {
		return func() bool {
			rec := httptest.NewRecorder()
			h.h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			return strings.Contains(rec.Body.String(), version)
		}
	}
	v1 := compile(t).Version()
	v2files := ruleSetFiles(t, "15", "15.00")
	v2 := versionOf(t, v2files)
	require.Equal(t, 200, a.deploy(v2files).status)
	require.Eventually(t, runs(b, v2), 5*time.Second, 5*time.Millisecond, "b runs a's deployment")
	amount, version := b.welcome("p1", t0)
	assert.Equal(t, "15.00", amount)
	assert.Equal(t, v2, version)

	v3files := ruleSetFiles(t, "12", "12.00")
	require.Equal(t, 200, b.deploy(v3files).status)
	require.Eventually(t, runs(a, versionOf(t, v3files)), 5*time.Second, 5*time.Millisecond, "a runs b's deployment")
	r := a.do(call{method: "POST", path: "/v1/rulesets/rollback", role: server.Operator, body: "{}"})
	require.Equal(t, 200, r.status, "%s", r.raw)
	require.Eventually(t, runs(b, v2), 5*time.Second, 5*time.Millisecond, "b runs a's rollback")
	amount, _ = a.welcome("p2", t0)
	assert.Equal(t, "15.00", amount)
	assert.NotEqual(t, v1, v2)
}
