package promotest_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/promotest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/run")

// TestGolden loads the files of each testdata/run/*.txtar (all but the
// out/ sections) as the rule set "rs", runs its tests with coverage, and
// compares the verbose text report with out/text and the JSON report with
// out/json when the archive has it; or, when the suite does not load, the
// diagnostics with out/diags. go test ./runtime/promotest -update rewrites
// them.
func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/run/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(p)
			require.NoError(t, err)
			fsys := fstest.MapFS{}
			want := map[string]string{}
			var in []txtar.File
			for _, f := range ar.Files {
				if strings.HasPrefix(f.Name, "out/") {
					want[f.Name] = string(f.Data)
					continue
				}
				in = append(in, f)
				fsys["rs/"+f.Name] = &fstest.MapFile{Data: f.Data}
			}
			got := map[string]string{}
			s, err := promotest.Load(fsys, "rs")
			if err != nil {
				var rerr *runtime.Error
				require.True(t, errors.As(err, &rerr), "%v", err)
				var b strings.Builder
				for _, d := range rerr.Diagnostics {
					b.WriteString(d.String() + "\n")
				}
				got["out/diags"] = b.String()
			} else {
				rep := s.Run(context.Background(), promotest.Options{Coverage: true})
				var b strings.Builder
				require.NoError(t, rep.WriteText(&b, true))
				got["out/text"] = b.String()
				if _, ok := want["out/json"]; ok {
					b.Reset()
					require.NoError(t, rep.WriteJSON(&b))
					got["out/json"] = b.String()
				}
			}
			if *update {
				ar.Files = in
				for _, name := range []string{"out/diags", "out/text", "out/json"} {
					if got[name] != "" {
						ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(got[name])})
					}
				}
				require.NoError(t, os.WriteFile(p, txtar.Format(ar), 0o666))
				return
			}
			for _, name := range []string{"out/diags", "out/text", "out/json"} {
				assert.Equal(t, want[name], got[name], "%s of %s", name, p)
			}
		})
	}
}

// TestDeterministic checks that the report does not depend on the number
// of workers.
func TestDeterministic(t *testing.T) {
	fsys, dirs := exampleDirs(t)
	var suites []*promotest.Suite
	for _, dir := range dirs {
		s, err := promotest.Load(fsys, dir)
		require.NoError(t, err)
		suites = append(suites, s)
	}
	var want string
	for _, workers := range []int{1, 2, 8, 64} {
		rep := promotest.Run(context.Background(), suites, promotest.Options{Workers: workers, Coverage: true})
		var b strings.Builder
		require.NoError(t, rep.WriteText(&b, true))
		require.NoError(t, rep.WriteJSON(&b))
		if want == "" {
			want = b.String()
			continue
		}
		assert.Equal(t, want, b.String(), "report with %d workers", workers)
	}
}

// TestRunFilter checks that Options.Run and Suite.Only select tests.
func TestRunFilter(t *testing.T) {
	fsys, dirs := exampleDirs(t)
	const dir = "dynamic_rewards"
	require.Contains(t, dirs, dir)
	s, err := promotest.Load(fsys, dir)
	require.NoError(t, err)
	rep := s.Run(context.Background(), promotest.Options{Run: regexp.MustCompile(`^2\.735 (up|down) to`)})
	var names []string
	for _, r := range rep.Results {
		names = append(names, r.Name)
	}
	assert.Equal(t, []string{"2.735 down to 3 decimals", "2.735 up to 3 decimals", "2.735 down to 2 decimals",
		"2.735 up to 2 decimals", "2.735 down to 0 decimals", "2.735 up to 0 decimals"}, names)

	only := s.Only(dir + "/login_points_test.promo")
	rep = only.Run(context.Background(), promotest.Options{})
	require.NotEmpty(t, rep.Results)
	for _, r := range rep.Results {
		assert.Equal(t, "login_points", r.Reward)
	}
	assert.Greater(t, s.Len(), len(rep.Results))
}

// TestBranchLabels checks that the checker names branches as the compiled
// program does, since tests state them by name and coverage by position.
func TestBranchLabels(t *testing.T) {
	fsys, dirs := exampleDirs(t)
	for _, dir := range dirs {
		s, err := promotest.Load(fsys, dir)
		require.NoError(t, err)
		prog := s.Program()
		for _, r := range prog.Info().Rewards {
			var want []string
			for _, b := range prog.Branches(r.Symbol.Name) {
				want = append(want, b.Label)
			}
			assert.Equal(t, want, compiler.BranchLabels(r.Decl), "branches of %s", r.Symbol.Name)
		}
	}
}

// TestReasons checks that the reasons a test may expect are the runtime's.
func TestReasons(t *testing.T) {
	in := runtime.Input{} // no now: invalid input
	prog, err := runtime.CompileSources([]runtime.Source{{Name: "r.promo", Text: []byte("reward r: amount { give 1 EUR }")}})
	require.NoError(t, err)
	res, err := prog.Evaluate(context.Background(), "r", in)
	require.NoError(t, err)
	assert.Equal(t, runtime.Error_, res.Outcome)
	assert.Contains(t, compiler.ErrorReasons, res.Reason)
}
