package lsp

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindRuleSetsIsBounded(t *testing.T) {
	root := t.TempDir()
	write := func(rel string) {
		p := filepath.Join(root, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("const a = 1\n"), 0o644))
	}
	write("a/r.promo")
	write("a/b/c/d/e/f/g/r.promo")   // depth 7: found
	write("a/b/c/d/e/f/g/h/r.promo") // depth 8: too deep
	write("a/r_test.promo")
	write("tests_only/r_test.promo") // no rule file: no rule set
	for _, skipped := range []string{".git", "_old", "testdata", "vendor", "node_modules"} {
		write(skipped + "/r.promo")
	}
	write("plain/readme.txt")
	dirs, _ := findRuleSets([]string{root}, walkBounds{entries: 1000, depth: 7, sets: 10})
	for i := range dirs {
		dirs[i], _ = filepath.Rel(root, dirs[i])
	}
	sort.Strings(dirs)
	assert.Equal(t, []string{"a", filepath.FromSlash("a/b/c/d/e/f/g")}, dirs)

	// The bounds on entries and on rule sets.
	for i := range 30 {
		write(fmt.Sprintf("many/d%02d/r.promo", i))
	}
	dirs, entries := findRuleSets([]string{filepath.Join(root, "many")}, walkBounds{entries: 20, depth: 8, sets: 100})
	assert.LessOrEqual(t, entries, 21)
	assert.Less(t, len(dirs), 10)
	dirs, _ = findRuleSets([]string{filepath.Join(root, "many")}, walkBounds{entries: 1000, depth: 8, sets: 5})
	assert.Len(t, dirs, 5)
}

// TestRootOfTheFileSystem starts a server on the workspace folder file:///:
// it looks for rule sets within its bounds, and answers at once.
func TestRootOfTheFileSystem(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the file system")
	}
	_, entries := findRuleSets([]string{"/"}, defaultWalk)
	assert.LessOrEqual(t, entries, defaultWalk.entries+1)

	c := startClient(t, "/", Options{})
	c.initialize()
	var syms []any
	c.call("workspace/symbol", map[string]any{"query": "zzz_none"}, &syms)
	c.shutdown()
	assert.NotContains(t, c.log.String(), "internal error")
	assert.True(t, strings.Contains(c.log.String(), "serving"))
}
