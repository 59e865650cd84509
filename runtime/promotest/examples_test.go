package promotest_test

import (
	"context"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/promotest"
)

// exampleDirs returns the directories of examples/ that hold rule files,
// relative to it, and the file system of examples/.
func exampleDirs(t testing.TB) (fs.FS, []string) {
	t.Helper()
	fsys := os.DirFS("../../examples")
	seen := map[string]bool{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return fs.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".promo") {
			seen[path.Dir(p)] = true
		}
		return nil
	})
	require.NoError(t, err)
	var dirs []string
	for d := range seen {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	require.NotEmpty(t, dirs)
	return fsys, dirs
}

// TestExamples is `promoc test ./examples/...`: every rule set of examples/
// has tests, they all pass, every reward is tested, and every branch of
// every check and tier is exercised.
func TestExamples(t *testing.T) {
	fsys, dirs := exampleDirs(t)
	for _, dir := range dirs {
		t.Run(dir, func(t *testing.T) {
			s, err := promotest.Load(fsys, dir)
			require.NoError(t, err)
			require.NotZero(t, s.Len(), "examples/%s has no tests", dir)
			rep := s.Run(context.Background(), promotest.Options{Coverage: true})
			if rep.Failed() > 0 {
				var b strings.Builder
				require.NoError(t, rep.WriteText(&b, false))
				t.Fatalf("examples/%s:\n%s", dir, b.String())
			}
			for _, c := range rep.Coverage {
				for _, r := range c.Rewards {
					assert.NotZero(t, r.Tests, "reward %s of examples/%s has no test", r.Reward, dir)
					for _, b := range r.Branches {
						assert.NotZero(t, b.Tests, "no test of examples/%s takes branch %q of %s at %d:%d", dir, b.Label, r.Reward, b.Pos.Line, b.Pos.Col)
					}
				}
			}
		})
	}
}

// BenchmarkRunExamples is promoc test on the examples after the build:
// reading, parsing and checking the rules and the tests, compiling the
// rules, and running every test.
func BenchmarkRunExamples(b *testing.B) {
	fsys, dirs := exampleDirs(b)
	b.ReportAllocs()
	for b.Loop() {
		var suites []*promotest.Suite
		for _, dir := range dirs {
			s, err := promotest.Load(fsys, dir)
			if err != nil {
				b.Fatal(err)
			}
			suites = append(suites, s)
		}
		rep := promotest.Run(context.Background(), suites, promotest.Options{Coverage: true})
		if rep.Failed() > 0 {
			b.Fatal("a test failed")
		}
	}
}
