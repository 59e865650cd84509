package runtime_test

import (
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestImportGraph keeps the pipeline's imports running one way (STYLE.md):
// lang ← compiler → vm; lang uses vm/currency, a leaf (its hint for a
// currency in small letters names only codes of the table); runtime uses all three; cmd/promoc uses runtime,
// lang and lang/format; lsp uses lang, compiler, runtime's analysis,
// lang/format, spec (the reference, for hover) and vm/currency (the codes it
// completes), and cmd/promoc uses lsp, runtime/store with its two drivers
// (--db) and vm/currency (budget currencies); vm/schedule (cron and its firings,
// for the compiler and the engine of campaigns) uses vm/window's wall clock; runtime/promotest
// (the test runner) uses compiler, lang and runtime, and for event-sequence
// tests the campaign engine on a SQLite store (runtime/engine, runtime/store,
// runtime/store/sqlite); cmd/promoc uses it. runtime/store (the state of
// campaigns) is a leaf; its drivers share runtime/store/internal/sqlcore,
// runtime/store/storetest tests any of them, and runtime/store/postgres/
// pgtest gives tests a PostgreSQL schema (using runtime/store/postgres to
// migrate the ones it pools). runtime/engine (the
// campaign engine) uses runtime, runtime/store, vm/schedule, vm/currency
// and vm/window (which windows read a batch's anchors); runtime/server
// (promoc serve's HTTP API) uses runtime, the engine, the store,
// vm/currency and spec (the result schema, for its OpenAPI document), and
// cmd/promoc uses it (serve). runtime/tracking (clicks, conversions and
// their attribution) uses the store, vm/currency, runtime (payouts) and
// lang (which characters an offer's reference refuses, as a string), and
// runtime/tracking/chart draws its report; the server serves it (and
// the chart) and cmd/promoc configures it. lang/limits, the table of bounds, is a leaf
// that any package may import. A change of the graph must change this
// table on purpose.
func TestImportGraph(t *testing.T) {
	allowed := map[string][]string{
		"lang":              {"vm/currency"},
		"lang/limits":       {},
		"lang/format":       {"lang"},
		"vm/num":            {},
		"vm/currency":       {},
		"vm/window":         {},
		"vm/schedule":       {"vm/window"},
		"vm":                {"lang", "vm/currency", "vm/num", "vm/window"},
		"compiler":          {"lang", "vm", "vm/currency", "vm/num", "vm/schedule", "vm/window"},
		"runtime":           {"compiler", "lang", "vm", "vm/currency", "vm/num", "vm/schedule", "vm/window"},
		"runtime/promotest": {"compiler", "lang", "runtime", "runtime/engine", "runtime/store", "runtime/store/sqlite", "vm/currency", "vm/num", "vm/window"},
		"spec":              {},
		"lsp":               {"compiler", "lang", "lang/format", "runtime", "spec", "vm/currency"},
		"cmd/promoc":        {"lang", "lang/format", "lsp", "runtime", "runtime/bonus", "runtime/bonus/chart", "runtime/engine", "runtime/promotest", "runtime/server", "runtime/store", "runtime/store/postgres", "runtime/store/sqlite", "runtime/tracking", "runtime/tracking/chart", "vm/currency"},

		"runtime/bonus":                  {"runtime", "runtime/engine", "runtime/store", "vm/currency"},
		"runtime/bonus/chart":            {"runtime/store"},
		"runtime/engine":                 {"runtime", "runtime/store", "vm/currency", "vm/schedule", "vm/window"},
		"runtime/server":                 {"lang", "runtime", "runtime/bonus", "runtime/engine", "runtime/promotest", "runtime/store", "runtime/tracking", "runtime/tracking/chart", "spec", "vm/currency"},
		"runtime/tracking":               {"lang", "runtime", "runtime/store", "vm/currency"},
		"runtime/tracking/chart":         {"runtime/tracking"},
		"runtime/store":                  {"vm/currency"},
		"runtime/store/internal/sqlcore": {"runtime/store"},
		"runtime/store/sqlite":           {"runtime/store", "runtime/store/internal/sqlcore"},
		"runtime/store/postgres":         {"runtime/store", "runtime/store/internal/sqlcore"},
		"runtime/store/storetest":        {"runtime/store"},
		"runtime/store/postgres/pgtest":  {"runtime/store/postgres"},
	}
	const mod = "github.com/promoc/promoc/"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, mod+"...").Output()
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		pkg = strings.TrimPrefix(pkg, mod)
		want, ok := allowed[pkg]
		if !ok {
			t.Errorf("package %s is not in the import graph of deps_test.go", pkg)
			continue
		}
		var got []string
		for _, imp := range strings.Fields(imports) {
			if strings.HasPrefix(imp, mod) && imp != mod+"lang/limits" {
				got = append(got, strings.TrimPrefix(imp, mod))
			}
		}
		sort.Strings(got)
		if got == nil {
			got = []string{}
		}
		assert.Equal(t, want, got, "internal imports of %s", pkg)
	}
}
