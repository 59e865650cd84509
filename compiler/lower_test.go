package compiler_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/lower")

// TestLowerGolden compiles each testdata/lower/*.txtar's in.promo (with the
// checker tests' schema) and compares the disassembly with out/bytecode.
// go test ./compiler -update rewrites the golden sections.
func TestLowerGolden(t *testing.T) {
	schema, _ := parseFile(t, "testdata/check/schema.promo")
	paths, err := filepath.Glob("testdata/lower/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			require.NoError(t, err)
			var in []byte
			for _, f := range ar.Files {
				if f.Name == "in.promo" {
					in = f.Data
				}
			}
			require.NotNil(t, in, "no in.promo section")
			f, diags := lang.Parse("in.promo", in)
			require.Empty(t, diags)
			info, diags := compiler.Check([]*lang.File{schema, f}, compiler.Config{})
			require.Empty(t, diags)
			prog, err := compiler.Lower(info)
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, prog.Disassemble(&buf, ""))
			got := buf.Bytes()
			if *update {
				ar.Files = []txtar.File{{Name: "in.promo", Data: in}, {Name: "out/bytecode", Data: got}}
				require.NoError(t, os.WriteFile(path, txtar.Format(ar), 0o644))
				return
			}
			var want []byte
			for _, f := range ar.Files {
				if f.Name == "out/bytecode" {
					want = f.Data
				}
			}
			assert.Equal(t, string(want), string(got))
		})
	}
}

// TestBranchLabelsLowered checks that BranchLabels, which tests name
// branches with, lists the lowered branches of every reward of
// testdata/lower, in the order of the code.
func TestBranchLabelsLowered(t *testing.T) {
	schema, _ := parseFile(t, "testdata/check/schema.promo")
	paths, err := filepath.Glob("testdata/lower/*.txtar")
	require.NoError(t, err)
	for _, path := range paths {
		ar, err := txtar.ParseFile(path)
		require.NoError(t, err)
		for _, f := range ar.Files {
			if f.Name != "in.promo" {
				continue
			}
			file, diags := lang.Parse("in.promo", f.Data)
			require.Empty(t, diags)
			info, diags := compiler.Check([]*lang.File{schema, file}, compiler.Config{})
			require.Empty(t, diags)
			prog, err := compiler.Lower(info)
			require.NoError(t, err)
			for i, r := range info.Rewards {
				var want []string
				for _, b := range prog.Rewards[i].Branches {
					want = append(want, b.Label)
				}
				assert.Equal(t, want, compiler.BranchLabels(r.Decl), "%s: branches of %s", path, r.Symbol.Name)
			}
		}
	}
}

// TestLowerRuleConds: each condition of a rule becomes a hidden reward of
// Conds, named by CondName, and none is a reward; the checker's tables are
// left as they were.
func TestLowerRuleConds(t *testing.T) {
	schema, _ := parseFile(t, "../examples/dynamic_rewards/schema.promo")
	f, diags := lang.Parse("rules.promo", []byte(rulesSeed))
	require.Empty(t, diags)
	info, diags := compiler.Check([]*lang.File{schema, f}, compiler.Config{})
	require.Empty(t, diags)
	aggs := len(info.Aggregates)
	prog, err := compiler.Lower(info)
	require.NoError(t, err)
	require.NoError(t, prog.Validate())
	assert.Equal(t, aggs, len(info.Aggregates))
	require.Len(t, prog.Rewards, 1)
	assert.Equal(t, "r", prog.Rewards[0].Name)
	var names []string
	for _, c := range prog.Conds {
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{
		compiler.CondName("a", compiler.CondTrigger),
		compiler.CondName("a", compiler.CondSegment),
		compiler.CondName("a", compiler.CondQualification),
		compiler.CondName("c", compiler.CondEntrance),
		compiler.CondName("c", compiler.CondTrigger),
	}, names)
	// The trigger of a: count(deposit where ...); its first condition
	// compares with a per-currency amount, no simple term, so the where is
	// filter code.
	trig := prog.Conds[0]
	require.Len(t, trig.Aggs, 1)
	assert.Equal(t, "count", trig.Aggs[0].Op.String())
	assert.Equal(t, "deposit", prog.Kinds[trig.Aggs[0].Kind].Name)
	assert.GreaterOrEqual(t, trig.Aggs[0].Filter, int32(0))
	// The segment reads no transactions.
	assert.Empty(t, prog.Conds[1].Aggs)
	for _, c := range prog.Conds {
		assert.Contains(t, c.Name, " ", "a hidden name no reward can have")
		assert.Nil(t, prog.Reward(c.Name))
	}
}
