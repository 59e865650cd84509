package compiler_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

// TestCheckTestsMarkers checks each testdata/tests/*_test.promo against the
// rule set testdata/tests/rules.promo, comparing the diagnostics with the
// inline markers.
func TestCheckTestsMarkers(t *testing.T) {
	rules, _ := parseFile(t, "testdata/tests/rules.promo")
	info, diags := compiler.Check([]*lang.File{rules}, compiler.Config{})
	require.Empty(t, diags)
	paths, err := filepath.Glob("testdata/tests/*_test.promo")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, src := parseFile(t, path)
			ti, diags := compiler.CheckTests([]*lang.File{f}, info)
			require.NotNil(t, ti)
			checkMarked(t, f.Name, src, diags)
		})
	}
}

// TestCheckRejectsTests checks that a rule file cannot hold a test.
func TestCheckRejectsTests(t *testing.T) {
	f, diags := lang.Parse("rules.promo", []byte("reward r: amount { give 1 EUR }\ntest \"t\" { reward r }\n"))
	require.Empty(t, diags)
	_, diags = compiler.Check([]*lang.File{f}, compiler.Config{})
	require.Len(t, diags, 1)
	require.Equal(t, lang.CodeMisplacedDecl, diags[0].Code)
	require.Equal(t, `rules.promo:2:6: error: test "t" belongs in a test file: move it to a *_test.promo file beside the rules [misplaced-declaration]`, diags[0].String())
}

// TestCheckTestsServedCurrencies checks a test's player currency against
// the currencies the rule set serves.
func TestCheckTestsServedCurrencies(t *testing.T) {
	rules, diags := lang.Parse("rules.promo", []byte("currencies EUR, USD\nkind bet { amount: money }\nreward r: amount {\n\tgive 1% of sum(bet.amount)\n}\n"))
	require.Empty(t, diags)
	info, diags := compiler.Check([]*lang.File{rules}, compiler.Config{})
	require.Empty(t, diags)
	tests := []struct {
		name, player, expect, want string // want: the message, or "" for none
	}{
		{"served", "USD", "skipped no-matching-transactions", ""},
		{"not served, input error expected", "GBP", "error invalid-input", ""},
		{"not served", "GBP", "skipped no-matching-transactions", "the rule set serves EUR, USD, not GBP: the run ends in error invalid-input, which this test does not expect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "test \"t\" {\n\treward r\n\tnow 2026-11-23 10:00\n\tplayer { currency " + tt.player + " }\n\texpect " + tt.expect + "\n}\n"
			f, diags := lang.Parse("r_test.promo", []byte(src))
			require.Empty(t, diags)
			_, diags = compiler.CheckTests([]*lang.File{f}, info)
			if tt.want == "" {
				require.Empty(t, diags)
				return
			}
			require.Len(t, diags, 1, "%v", diags)
			require.Equal(t, tt.want, diags[0].Message)
			require.Equal(t, 4, diags[0].Span.Start.Line)
		})
	}
}

// TestCheckSequenceTestsMarkers checks each testdata/seqtests/*_test.promo
// against the rule set testdata/seqtests/rules.promo, comparing the
// diagnostics with the inline markers.
func TestCheckSequenceTestsMarkers(t *testing.T) {
	rules, _ := parseFile(t, "testdata/seqtests/rules.promo")
	info, diags := compiler.Check([]*lang.File{rules}, compiler.Config{})
	require.Empty(t, diags)
	paths, err := filepath.Glob("testdata/seqtests/*_test.promo")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, src := parseFile(t, path)
			ti, diags := compiler.CheckTests([]*lang.File{f}, info)
			require.NotNil(t, ti)
			checkMarked(t, f.Name, src, diags)
			for _, tc := range ti.Tests {
				require.Equal(t, compiler.IsSequence(tc.Decl), tc.Sequence, "test %q", tc.Name)
			}
		})
	}
}
