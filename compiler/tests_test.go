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
