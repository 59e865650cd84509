package spec_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/spec"
)

const (
	inputID  = "https://raw.githubusercontent.com/promoc/promoc/main/spec/schema/input.schema.json"
	resultID = "https://raw.githubusercontent.com/promoc/promoc/main/spec/schema/result.schema.json"
)

// schemas are the compiled schemas of spec.Schemas.
type schemas struct {
	input, transaction, player, result *jsonschema.Schema
	docs                               map[string]any // by file name, as JSON values
}

// loadSchemas compiles the embedded schemas, each checked against the
// 2020-12 meta-schema, with formats (date-time) asserted.
func loadSchemas(t *testing.T) *schemas {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s := &schemas{docs: map[string]any{}}
	files, err := fs.Glob(spec.Schemas, "schema/*.schema.json")
	require.NoError(t, err)
	require.Len(t, files, 2, "the embedded schemas")
	for _, name := range files {
		b, err := fs.ReadFile(spec.Schemas, name)
		require.NoError(t, err)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		require.NoError(t, err, name)
		id, _ := doc.(map[string]any)["$id"].(string)
		require.Equal(t, "https://raw.githubusercontent.com/promoc/promoc/main/spec/"+name, id, "the $id of %s", name)
		require.NoError(t, c.AddResource(id, doc))
		s.docs[filepath.Base(name)] = doc
	}
	s.input, err = c.Compile(inputID)
	require.NoError(t, err)
	s.transaction, err = c.Compile(inputID + "#/$defs/transaction")
	require.NoError(t, err)
	s.player, err = c.Compile(inputID + "#/$defs/player")
	require.NoError(t, err)
	s.result, err = c.Compile(resultID)
	require.NoError(t, err)
	return s
}

func unmarshal(t *testing.T, b []byte) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err, "%s", b)
	return v
}

// exampleRoots are the folders whose rule sets and input documents are
// examples: examples/, and the starter rule set that promoc init writes.
var exampleRoots = []string{"../examples", "../cmd/promoc/starter"}

// exampleFiles lists the files below exampleRoots with the extension ext.
func exampleFiles(t *testing.T, ext string) []string {
	t.Helper()
	var out []string
	for _, root := range exampleRoots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && filepath.Ext(p) == ext {
				out = append(out, p)
			}
			return err
		})
		require.NoError(t, err)
	}
	return out
}

// specJSON returns the first json code block after the heading of spec.md.
func specJSON(t *testing.T, heading string) []byte {
	t.Helper()
	_, after, ok := strings.Cut(spec.Markdown, "\n"+heading+"\n")
	require.True(t, ok, "spec.md has no heading %q", heading)
	_, after, ok = strings.Cut(after, "```json\n")
	require.True(t, ok, "no json block after %q", heading)
	block, _, ok := strings.Cut(after, "```")
	require.True(t, ok)
	return []byte(block)
}

// TestInputSchemaExamples validates every input document and JSON Lines
// fixture of the examples (exampleRoots), and the input example of spec.md,
// and checks that promoc reads each of them too.
func TestInputSchemaExamples(t *testing.T) {
	s := loadSchemas(t)
	docs := exampleFiles(t, ".json")
	require.GreaterOrEqual(t, len(docs), 3)
	for _, p := range docs {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.NoError(t, s.input.Validate(unmarshal(t, b)), p)
		_, err = runtime.DecodeInput(bytes.NewReader(b))
		assert.NoError(t, err, p)
	}
	b := specJSON(t, "### Input")
	assert.NoError(t, s.input.Validate(unmarshal(t, b)), "spec.md, Input")
	_, err := runtime.DecodeInput(bytes.NewReader(b))
	assert.NoError(t, err, "spec.md, Input")

	lines := exampleFiles(t, ".jsonl")
	require.NotEmpty(t, lines)
	for _, p := range lines {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		kind := jsonlKind(t, b)
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan(); n++ {
			if len(bytes.TrimSpace(sc.Bytes())) == 0 {
				continue
			}
			v := unmarshal(t, sc.Bytes())
			switch {
			case kind == "players":
				assert.NoError(t, s.player.Validate(v), "%s:%d", p, n)
			case kind == "events" && v.(map[string]any)["kind"] == engine.KindPlayer:
				// A player event: the player's data, read by the engine.
			default:
				assert.NoError(t, s.transaction.Validate(v), "%s:%d", p, n)
			}
		}
		switch kind {
		case "players":
			err = runtime.DecodePlayers(bytes.NewReader(b), func(int, runtime.Player) error { return nil })
		case "events":
			err = engine.DecodeEvents(bytes.NewReader(b), func(int, engine.Event) error { return nil })
		default:
			_, err = runtime.DecodeTransactions(bytes.NewReader(b))
		}
		assert.NoError(t, err, p)
	}
}

// jsonlKind tells a JSON Lines file of the examples by its first line:
// "players" (player records, as promoc players import reads them: no
// kind), "events" (an event log, as promoc run reads it: each event names
// its player) or "transactions" (a fixture of tests).
func jsonlKind(t *testing.T, b []byte) string {
	first, _, _ := bytes.Cut(bytes.TrimSpace(b), []byte("\n"))
	var probe map[string]any
	require.NoError(t, json.Unmarshal(first, &probe))
	switch {
	case probe["kind"] == nil:
		return "players"
	case probe["player"] != nil:
		return "events"
	}
	return "transactions"
}

// TestInputSchemaRejects lists documents the schema must reject; promoc
// rejects each of them too, as an invalid-input outcome.
func TestInputSchemaRejects(t *testing.T) {
	s := loadSchemas(t)
	prog, err := runtime.Compile(os.DirFS("../examples/dynamic_rewards"))
	require.NoError(t, err)
	const tx = `{"id": "d-1", "kind": "deposit", "time": "2026-11-20T18:02:11Z", "amount": "100.00", "method": "card"}`
	doc := func(fields string) string {
		return `{"now": "2026-11-23T10:00:00Z", "player": {"id": "p", "currency": "EUR"}` + fields + `}`
	}
	tests := []struct{ name, doc string }{
		{"no now", `{"player": {"id": "p", "currency": "EUR"}}`},
		{"now not a time", `{"now": "23/11/2026"}`},
		{"now without an offset", `{"now": "2026-11-23T10:00:00"}`},
		{"unknown top-level field", doc(`, "nwo": "2026-11-23T10:00:00Z"`)},
		{"unknown player field", `{"now": "2026-11-23T10:00:00Z", "player": {"id": "p", "currency": "EUR", "vip": 3}}`},
		{"player id a number", `{"now": "2026-11-23T10:00:00Z", "player": {"id": 7, "currency": "EUR"}}`},
		{"lowercase currency", `{"now": "2026-11-23T10:00:00Z", "player": {"id": "p", "currency": "eur"}}`},
		{"property an object", `{"now": "2026-11-23T10:00:00Z", "player": {"id": "p", "currency": "EUR", "properties": {"vip_level": {"v": 3}}}}`},
		{"transactions an object", doc(`, "transactions": {"d-1": ` + tx + `}`)},
		{"transaction without id", doc(`, "transactions": [{"kind": "deposit", "time": "2026-11-20T18:02:11Z", "amount": "100.00"}]`)},
		{"transaction without kind", doc(`, "transactions": [{"id": "d-1", "time": "2026-11-20T18:02:11Z", "amount": "100.00"}]`)},
		{"transaction without time", doc(`, "transactions": [{"id": "d-1", "kind": "deposit", "amount": "100.00"}]`)},
		{"transaction time not RFC 3339", doc(`, "transactions": [{"id": "d-1", "kind": "deposit", "time": "2026-11-20 18:02", "amount": "100.00"}]`)},
		{"attribute an array", doc(`, "transactions": [{"id": "d-1", "kind": "deposit", "time": "2026-11-20T18:02:11Z", "amount": ["100.00"]}]`)},
		{"transaction currency not a code", doc(`, "transactions": [{"id": "d-1", "kind": "deposit", "time": "2026-11-20T18:02:11Z", "currency": "euro", "amount": "1"}]`)},
		{"unknown anchor", doc(`, "anchors": {"first_deposit": "2026-11-20T18:02:11Z"}`)},
		{"anchor not a time", doc(`, "anchors": {"entrance": "yesterday"}`)},
		{"rate zero", doc(`, "rates": {"USD": "0"}`)},
		{"rate negative", doc(`, "rates": {"USD": -0.9}`)},
		{"rate not a decimal", doc(`, "rates": {"USD": "ninety"}`)},
		{"rate for no currency", doc(`, "rates": {"dollars": "0.92"}`)},
		{"rate with an exponent", doc(`, "rates": {"USD": "9.2e-1"}`)},
		{"rate with a plus sign", doc(`, "rates": {"USD": "+0.92"}`)},
		{"rate without a leading digit", doc(`, "rates": {"USD": ".92"}`)},
		{"transaction time with an offset of 24 hours", doc(`, "transactions": [{"id": "d-1", "kind": "deposit", "time": "2026-11-20T18:02:11.5+24:00", "amount": "100.00"}]`)},
		{"transaction time with an offset of 60 minutes", doc(`, "transactions": [{"id": "d-1", "kind": "deposit", "time": "2026-11-20T18:02:11.1234567891+01:60", "amount": "100.00"}]`)},
		{"now with a space for its T", `{"now": "2026-11-23 10:00:00Z", "player": {"id": "p", "currency": "EUR"}}`},
		{"not an object", `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Error(t, s.input.Validate(unmarshal(t, []byte(tt.doc))), "the schema accepts %s", tt.doc)
			in, err := runtime.DecodeInput(strings.NewReader(tt.doc))
			if err != nil {
				return
			}
			res, err := prog.Evaluate(context.Background(), "tiered_deposit", in)
			require.NoError(t, err)
			assert.Equal(t, "invalid-input", res.Reason, "promoc accepts %s", tt.doc)
		})
	}
}

// TestInputSchemaLowerCaseTime checks that the schema and promoc both read
// the T and the Z of a time in lower case, as RFC 3339 allows (section 5.6,
// NOTE), as the same instants.
func TestInputSchemaLowerCaseTime(t *testing.T) {
	s := loadSchemas(t)
	prog, err := runtime.Compile(os.DirFS("../examples/dynamic_rewards"))
	require.NoError(t, err)
	const doc = `{"now": "2026-11-23T10:00:00Z", "player": {"id": "p", "currency": "EUR"},
		"transactions": [{"id": "d-1", "kind": "deposit", "time": "2026-11-20T18:02:11Z", "amount": "600.00", "method": "card"}]}`
	lower := strings.NewReplacer("T10:00:00Z", "t10:00:00z", "T18:02:11Z", "t19:02:11+01:00").Replace(doc)
	require.NotEqual(t, doc, lower)
	require.NoError(t, s.input.Validate(unmarshal(t, []byte(lower))))
	want, err := runtime.DecodeInput(strings.NewReader(doc))
	require.NoError(t, err)
	got, err := runtime.DecodeInput(strings.NewReader(lower))
	require.NoError(t, err)
	assert.True(t, want.Now.Equal(got.Now), "now: %v, %v", want.Now, got.Now)
	assert.True(t, want.Transactions[0].Time.Equal(got.Transactions[0].Time))
	for _, r := range prog.Rewards() {
		w, err := prog.Evaluate(context.Background(), r, want)
		require.NoError(t, err)
		g, err := prog.Evaluate(context.Background(), r, got)
		require.NoError(t, err)
		assert.Equal(t, w.Amount().String(), g.Amount().String(), r)
		assert.Equal(t, w.Outcome, g.Outcome, r)
		assert.Equal(t, w.Reason, g.Reason, r)
	}
	b := prog.NewBuilder()
	require.NoError(t, b.DecodeBytes(context.Background(), []byte(lower)), "the builder reads it too")
}

// TestInputSchemaLimits checks that the bounds the input schema states are
// those of lang/limits, and that it enforces them.
func TestInputSchemaLimits(t *testing.T) {
	s := loadSchemas(t)
	doc := s.docs["input.schema.json"].(map[string]any)
	at := func(path ...string) any {
		var v any = doc
		for _, k := range path {
			v = v.(map[string]any)[k]
		}
		return v
	}
	number := func(v any) int64 {
		n, err := v.(json.Number).Int64()
		require.NoError(t, err)
		return n
	}
	assert.Equal(t, int64(limits.Transactions), number(at("properties", "transactions", "maxItems")), "transactions")
	for _, path := range [][]string{
		{"$defs", "value", "maxLength"},
		{"$defs", "transaction", "properties", "id", "maxLength"},
		{"$defs", "transaction", "properties", "kind", "maxLength"},
		{"$defs", "player", "properties", "id", "maxLength"},
	} {
		assert.Equal(t, int64(limits.StringBytes), number(at(path...)), "%v", path)
	}
	tx := func(id, game string) any {
		return unmarshal(t, []byte(`{"id": "`+id+`", "kind": "bet", "time": "2026-11-20T18:02:11Z", "game": "`+game+`"}`))
	}
	long := strings.Repeat("x", limits.StringBytes)
	assert.NoError(t, s.transaction.Validate(tx(long, long)))
	assert.Error(t, s.transaction.Validate(tx(long+"x", "g")), "an id over the limit")
	assert.Error(t, s.transaction.Validate(tx("t", long+"x")), "a string attribute over the limit")
}

// outcomeCase is one evaluation whose result the result schema must accept.
type outcomeCase struct {
	prog   *runtime.Program
	reward string
	in     runtime.Input
	ctx    context.Context
}

// realResults evaluates every reward of every rule set of the examples
// (exampleRoots) on every input document found beside it, and the rewards of testdata/outcomes on
// inputs made to reach every outcome, each with and without a trace.
func realResults(t *testing.T) [][]byte {
	t.Helper()
	ctx := context.Background()
	var cases []outcomeCase
	dirs := map[string]bool{}
	for _, p := range exampleFiles(t, ".promo") {
		if runtime.IsRuleFile(p) {
			dirs[filepath.Dir(p)] = true
		}
	}
	require.GreaterOrEqual(t, len(dirs), 2)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for dir := range dirs {
		prog, err := runtime.Compile(os.DirFS(dir))
		require.NoError(t, err, dir)
		var inputs []runtime.Input
		err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(p) != ".json" {
				return err
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			in, err := runtime.DecodeInput(f)
			inputs = append(inputs, in)
			return err
		})
		require.NoError(t, err)
		// No transactions, no properties; and a document promoc rejects.
		inputs = append(inputs,
			runtime.Input{Now: now, Player: runtime.Player{ID: "p", Currency: "EUR", Zone: "Europe/Malta"}},
			runtime.Input{Now: now, Player: runtime.Player{ID: "p", Currency: "EURO"}})
		for _, r := range prog.Rewards() {
			for _, in := range inputs {
				cases = append(cases, outcomeCase{prog, r, in, ctx})
			}
		}
	}

	prog, err := runtime.Compile(os.DirFS("testdata/outcomes"))
	require.NoError(t, err)
	player := func(cur string, level any) runtime.Player {
		p := runtime.Player{ID: "p", Currency: cur, Properties: map[string]any{}}
		if level != nil {
			p.Properties["level"] = level
		}
		return p
	}
	txs := func(bets, wins string) []runtime.Transaction {
		var out []runtime.Transaction
		for i, a := range []string{bets, wins} {
			if a != "" {
				out = append(out, runtime.Transaction{ID: []string{"b", "w"}[i], Kind: []string{"bet", "win"}[i], Time: now.Add(-time.Hour), Attrs: map[string]any{"amount": a}})
			}
		}
		return out
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	add := func(reward string, in runtime.Input) {
		cases = append(cases, outcomeCase{prog, reward, in, ctx})
	}
	add("net_loss", runtime.Input{Now: now, Player: player("EUR", nil), Transactions: txs("500", "100")}) // calculated, manual, capped
	add("net_loss", runtime.Input{Now: now, Player: player("EUR", nil), Transactions: txs("100", "150")}) // non-positive-amount
	add("net_loss", runtime.Input{Now: now, Player: player("EUR", nil), Transactions: txs("120", "80")})  // below-minimum
	add("net_loss", runtime.Input{Now: now, Player: player("USD", nil)})                                  // no-matching-transactions
	add("net_loss", runtime.Input{Now: now, Player: player("GBP", nil), Transactions: txs("500", "100")}) // missing-currency-value
	add("tiny", runtime.Input{Now: now, Player: player("EUR", nil), Transactions: txs("4", "")})          // rounded-to-zero
	add("level_points", runtime.Input{Now: now, Player: player("EUR", 4)})                                // calculated points
	add("level_points", runtime.Input{Now: now, Player: player("EUR", nil)})                              // missing-property
	add("level_points", runtime.Input{Now: now, Player: player("EUR", -1)})                               // non-positive points
	add("level_gems", runtime.Input{Now: now, Player: player("EUR", 3)})                                  // division-by-zero
	add("level_gems", runtime.Input{Now: now, Player: player("EUR", 6)})                                  // calculated gems
	add("level_diamonds", runtime.Input{Now: now, Player: player("EUR", 1)})                              // skipped
	add("level_diamonds", runtime.Input{Now: now, Player: player("EUR", 2)})                              // calculated diamonds
	add("spins_offer", runtime.Input{Now: now, Player: player("EUR", 6)})                                 // calculated template
	add("spins_offer", runtime.Input{Now: now, Player: player("EUR", 5)})                                 // no-branch-matched
	add("fixed_bonus", runtime.Input{Now: now, Player: player("USD", nil)})                               // currency-mismatch
	add("yesterday", runtime.Input{Now: now, Player: player("EUR", nil), Transactions: txs("10", "")})    // invalid-window
	add("since_entrance", runtime.Input{Now: now, Player: player("EUR", nil), Transactions: txs("10", ""),
		Anchors: runtime.Anchors{Entrance: now.AddDate(0, 0, -40)}}) // window-too-long
	add("fixed_bonus", runtime.Input{Now: now, Player: player("EUR", nil)}) // invalid-input below
	cases[len(cases)-1].in.Player.Zone = "Europe/Atlantis"
	cases = append(cases, outcomeCase{prog, "net_loss", runtime.Input{Now: now, Player: player("EUR", nil), Transactions: txs("500", "100")}, cancelled})
	budget, err := runtime.Compile(os.DirFS("testdata/outcomes"), runtime.WithMaxSteps(1))
	require.NoError(t, err)
	cases = append(cases, outcomeCase{budget, "net_loss", runtime.Input{Now: now, Player: player("EUR", nil), Transactions: txs("500", "100")}, ctx})

	var out [][]byte
	for _, c := range cases {
		for _, opts := range [][]runtime.EvalOption{nil, {runtime.WithTrace()}} {
			res, err := c.prog.Evaluate(c.ctx, c.reward, c.in, opts...)
			require.NoError(t, err, c.reward)
			b, err := json.Marshal(res)
			require.NoError(t, err)
			out = append(out, b)
		}
	}
	return out
}

// TestResultSchemaReal validates real results: every example reward on
// every example input, and an evaluation for every outcome and reason a
// JSON input can reach.
func TestResultSchemaReal(t *testing.T) {
	s := loadSchemas(t)
	reasons := map[string]int{}
	outcomes := map[string]int{}
	results := realResults(t)
	t.Logf("%d results validated", len(results))
	for _, b := range results {
		v := unmarshal(t, b)
		if !assert.NoError(t, s.result.Validate(v), "%s", b) {
			continue
		}
		m := v.(map[string]any)
		outcomes[m["outcome"].(string)+" "+m["kind"].(string)]++
		if r, ok := m["reason"].(string); ok {
			reasons[r]++
		}
	}
	for _, o := range []string{"calculated amount", "calculated points", "calculated gems", "calculated diamonds", "calculated template",
		"skipped amount", "skipped points", "skipped diamonds", "skipped template", "error amount", "error points", "error gems"} {
		assert.Positive(t, outcomes[o], "no result was %s", o)
	}
	// Every reason but those no JSON input can reach: missing-now (the JSON
	// input requires now), invalid-operand (a compiler bug) and out-of-range.
	skip, errs := schemaReasons(t, s)
	for _, r := range append(skip, errs...) {
		switch r {
		case "missing-now", "invalid-operand", "out-of-range":
			continue
		}
		assert.Positive(t, reasons[r], "no result had reason %s", r)
	}
	b := specJSON(t, "### Output")
	assert.NoError(t, s.result.Validate(unmarshal(t, b)), "spec.md, Output")
}

// TestResultSchemaScripts validates the results that the command line's
// script tests expect promoc eval to print (the *.json sections of
// cmd/promoc/testdata/script/*.txtar that are result documents): real output
// too, kept up to date by those tests.
func TestResultSchemaScripts(t *testing.T) {
	s := loadSchemas(t)
	scripts, err := filepath.Glob("../cmd/promoc/testdata/script/*.txtar")
	require.NoError(t, err)
	n := 0
	for _, p := range scripts {
		a, err := txtar.ParseFile(p)
		require.NoError(t, err)
		for _, f := range a.Files {
			if filepath.Ext(f.Name) != ".json" {
				continue
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(f.Data))
			if err != nil {
				continue // an input that is malformed on purpose
			}
			m, ok := v.(map[string]any)
			if _, isResult := m["outcome"]; !ok || !isResult || m["reward"] == nil {
				continue
			}
			n++
			assert.NoError(t, s.result.Validate(v), "%s: %s", p, f.Name)
		}
	}
	t.Logf("%d results of the scripts validated", n)
	assert.GreaterOrEqual(t, n, 10)
}

// TestResultSchemaRejects changes valid results in ways the schema must
// reject.
func TestResultSchemaRejects(t *testing.T) {
	s := loadSchemas(t)
	calculated := `{"reward": "r", "rule_set_version": "sha256:` + strings.Repeat("ab", 32) + `", "kind": "amount", "outcome": "calculated",
		"amount": "10.00", "currency": "EUR", "raw": "10.000", "manual": false, "at": {"file": "r.promo", "line": 3, "col": 2}}`
	skipped := `{"reward": "r", "rule_set_version": "sha256:` + strings.Repeat("ab", 32) + `", "kind": "amount", "outcome": "skipped",
		"reason": "non-positive-amount", "detail": "the amount is zero or negative", "currency": "EUR", "raw": "-2.525", "manual": false}`
	for _, ok := range []string{calculated, skipped} {
		require.NoError(t, s.result.Validate(unmarshal(t, []byte(ok))), ok)
	}
	tests := []struct {
		name, base string
		edit       func(m map[string]any)
	}{
		{"no rule_set_version", calculated, func(m map[string]any) { delete(m, "rule_set_version") }},
		{"a version that is not a SHA-256", calculated, func(m map[string]any) { m["rule_set_version"] = "v1.2" }},
		{"an amount as a JSON number", calculated, func(m map[string]any) { m["amount"] = json.Number("10") }},
		{"an amount with an exponent", calculated, func(m map[string]any) { m["amount"] = "1E+1" }},
		{"a zero amount", calculated, func(m map[string]any) { m["amount"] = "0.00" }},
		{"a negative amount", calculated, func(m map[string]any) { m["amount"] = "-10.00" }},
		{"calculated with a reason", calculated, func(m map[string]any) { m["reason"] = "skipped" }},
		{"calculated amount without amount", calculated, func(m map[string]any) { delete(m, "amount") }},
		{"an unknown field", calculated, func(m map[string]any) { m["bonus"] = "10.00" }},
		{"points on an amount reward", calculated, func(m map[string]any) { m["points"] = "10" }},
		{"a template on an amount reward", calculated, func(m map[string]any) { m["template"] = "spins" }},
		{"a target on an amount reward", calculated, func(m map[string]any) { m["target"] = "balance" }},
		{"an unknown kind", calculated, func(m map[string]any) { m["kind"] = "cash" }},
		{"an unknown outcome", calculated, func(m map[string]any) { m["outcome"] = "issued" }},
		{"at line 0", calculated, func(m map[string]any) { m["at"].(map[string]any)["line"] = json.Number("0") }},
		{"a trace without lets", calculated, func(m map[string]any) {
			m["trace"] = map[string]any{"branches": []any{}, "aggregations": []any{}}
		}},
		{"a window without end", calculated, func(m map[string]any) {
			m["trace"] = map[string]any{"branches": []any{}, "lets": []any{}, "aggregations": []any{}, "window": map[string]any{"start": "2026-11-16T00:00:00+01:00"}}
		}},
		{"a skip with an amount", skipped, func(m map[string]any) { m["amount"] = "-2.53" }},
		{"a skip without reason", skipped, func(m map[string]any) { delete(m, "reason") }},
		{"a skip with an error reason", skipped, func(m map[string]any) { m["reason"] = "division-by-zero"; delete(m, "raw"); delete(m, "currency") }},
		{"a value skip without raw", skipped, func(m map[string]any) { delete(m, "raw") }},
		{"raw on a skip statement", skipped, func(m map[string]any) { m["reason"] = "skipped" }},
		{"a skip held for approval", skipped, func(m map[string]any) { m["manual"] = true }},
		{"an error with a skip reason", skipped, func(m map[string]any) { m["outcome"] = "error"; delete(m, "raw"); delete(m, "currency") }},
		{"raw on an error", skipped, func(m map[string]any) { m["outcome"] = "error"; m["reason"] = "currency-mismatch" }},
		{"an unknown reason", skipped, func(m map[string]any) { m["reason"] = "too-small" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := unmarshal(t, []byte(tt.base)).(map[string]any)
			tt.edit(m)
			assert.Error(t, s.result.Validate(m), "the schema accepts %v", m)
		})
	}
}

// schemaReasons returns the reason codes of the result schema, of skipped
// and of error outcomes.
func schemaReasons(t *testing.T, s *schemas) (skip, errs []string) {
	t.Helper()
	defs := s.docs["result.schema.json"].(map[string]any)["$defs"].(map[string]any)
	codes := func(def string) []string {
		var out []string
		for _, c := range defs[def].(map[string]any)["oneOf"].([]any) {
			out = append(out, c.(map[string]any)["const"].(string))
		}
		sort.Strings(out)
		return out
	}
	return codes("skipReason"), codes("errorReason")
}

// TestReasonsAgree checks that the reason codes are the same in the VM (its
// Reason constants, plus invalid-input, which the runtime reports before
// the VM runs), in the result schema, and in the table of spec.md section
// 11, outcome by outcome.
func TestReasonsAgree(t *testing.T) {
	s := loadSchemas(t)
	skip, errs := schemaReasons(t, s)

	vmCodes := append([]string{"invalid-input"}, reasonConsts(t, "../vm/*.go")...)
	sort.Strings(vmCodes)
	all := append(append([]string{}, skip...), errs...)
	sort.Strings(all)
	assert.Equal(t, vmCodes, all, "the reasons of vm (and invalid-input) and of spec/schema/result.schema.json")

	_, table, ok := strings.Cut(spec.Markdown, "## 11. Outcomes and reasons")
	require.True(t, ok)
	table, _, _ = strings.Cut(table, "\n## ")
	table, engineTable, ok := strings.Cut(table, "The campaign engine (section 16) adds")
	require.True(t, ok, "section 11 has the table of the engine's reasons")
	row := regexp.MustCompile("(?m)^\\| (skipped|error) \\| `([a-z-]+)` \\|")
	var engineCodes []string
	for _, m := range row.FindAllStringSubmatch(engineTable, -1) {
		engineCodes = append(engineCodes, m[2])
	}
	sort.Strings(engineCodes)
	assert.Equal(t, reasonConsts(t, "../runtime/engine/*.go"), engineCodes, "the reasons of runtime/engine and of spec.md section 11")
	specCodes := map[string][]string{}
	for _, m := range row.FindAllStringSubmatch(table, -1) {
		specCodes[m[1]] = append(specCodes[m[1]], m[2])
	}
	sort.Strings(specCodes["skipped"])
	sort.Strings(specCodes["error"])
	assert.Equal(t, skip, specCodes["skipped"], "skip reasons of the schema and of spec.md section 11")
	assert.Equal(t, errs, specCodes["error"], "error reasons of the schema and of spec.md section 11")
}

// reasonConsts lists, sorted, the values of the string constants named
// Reason... in the Go files (tests excepted) that glob matches.
func reasonConsts(t *testing.T, glob string) []string {
	t.Helper()
	var out []string
	fset := token.NewFileSet()
	files, err := filepath.Glob(glob)
	require.NoError(t, err)
	for _, p := range files {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		require.NoError(t, err)
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, sp := range g.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "Reason") || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						code, err := strconv.Unquote(lit.Value)
						require.NoError(t, err)
						out = append(out, code)
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestSchemasDocumented checks that every field of both schemas has a
// description.
func TestSchemasDocumented(t *testing.T) {
	s := loadSchemas(t)
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			// The objects the documents hold declare "type": "object"; the
			// other "properties" are conditions on fields described above.
			if props, ok := v["properties"].(map[string]any); ok && v["type"] == "object" {
				for name, p := range props {
					pm, _ := p.(map[string]any)
					assert.NotEmpty(t, pm["description"], "%s.properties.%s has no description", path, name)
				}
			}
			for k, c := range v {
				walk(path+"/"+k, c)
			}
		case []any:
			for _, c := range v {
				walk(path+"[]", c)
			}
		}
	}
	for name, doc := range s.docs {
		walk(name, doc)
	}
}
