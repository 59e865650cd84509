package promotest_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/promotest"
)

// TestSpecTests runs the promo-test code blocks of spec/spec.md as test
// files of examples/dynamic_rewards, with the promo blocks of section 15 as
// rules beside its own, as the spec says: they check and pass.
func TestSpecTests(t *testing.T) {
	src, err := os.ReadFile("../../spec/spec.md")
	require.NoError(t, err)
	const dir = "examples/dynamic_rewards"
	var tests, rules []runtime.Source
	var cur *strings.Builder
	start, inTests, isTest := 0, false, false
	for i, line := range strings.Split(string(src), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "## "):
			inTests = strings.HasPrefix(line, "## 15. ")
		case cur == nil && line == "```promo-test":
			cur, start, isTest = &strings.Builder{}, i+2, true
		case cur == nil && line == "```promo" && inTests: // the rules of the event-sequence tests
			cur, start, isTest = &strings.Builder{}, i+2, false
		case cur != nil && line == "```":
			if isTest {
				tests = append(tests, runtime.Source{Name: dir + "/spec_" + strconv.Itoa(start) + "_test.promo", Text: []byte(cur.String())})
			} else {
				rules = append(rules, runtime.Source{Name: dir + "/spec_" + strconv.Itoa(start) + ".promo", Text: []byte(cur.String())})
			}
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	require.NotEmpty(t, tests, "spec/spec.md has no test blocks")
	paths, err := filepath.Glob("../../" + dir + "/*.promo")
	require.NoError(t, err)
	for _, p := range paths {
		if promotest.IsTestFile(p) {
			continue
		}
		text, err := os.ReadFile(p)
		require.NoError(t, err)
		rules = append(rules, runtime.Source{Name: dir + "/" + filepath.Base(p), Text: text})
	}
	s, err := promotest.New(dir, rules, tests, promotest.WithReadFile(func(name string) ([]byte, error) {
		return os.ReadFile("../../" + name)
	}))
	require.NoError(t, err)
	rep := s.Run(context.Background(), promotest.Options{})
	var b strings.Builder
	require.NoError(t, rep.WriteText(&b, true))
	require.Zero(t, rep.Failed(), "%s", b.String())
	require.Equal(t, s.Len(), rep.Passed())
}
