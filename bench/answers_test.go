package bench

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/rules200.promo and rules50.promo")

// TestAnswers runs every case's setup, which checks its answers against
// the exact ones: an exact engine must get every answer right; a float
// engine's wrong answers are logged. -short leaves out the million rows.
func TestAnswers(t *testing.T) {
	sizes, filterSizes := NetLossSizes, FilterSizes
	if testing.Short() {
		sizes, filterSizes = sizes[:len(sizes)-1], filterSizes[:len(filterSizes)-1]
	}
	var cs []Case
	cs = append(cs, TieredCases()...)
	cs = append(cs, NetLossCases(sizes...)...)
	cs = append(cs, RuleSetCases()...)
	cs = append(cs, CompileCases()...)
	cs = append(cs, FilterCases(filterSizes...)...)
	cs = append(cs, EndToEndCases(sizes...)...)
	cs = append(cs, PlayerCases()...)
	for _, c := range cs {
		t.Run(c.Workload+"/"+c.Name, func(t *testing.T) {
			run, err := c.Setup()
			require.NoError(t, err)
			require.NotNil(t, run.Op)
			require.Positive(t, run.Checked, "no answer checked")
			if c.Exact {
				assert.Empty(t, run.Wrong, "%s is exact", c.Engine)
			} else if !run.Correct() {
				t.Logf("WRONG (float): %s", run.Summary())
			}
		})
	}
}

// TestWrongFloatIsCaught makes sure that the check can fail: the float64
// formula of workload 1 rounds 1200.35 × 50% = 600.175 down.
func TestWrongFloatIsCaught(t *testing.T) {
	for _, c := range TieredCases() {
		if c.Engine != Float64 {
			continue
		}
		run, err := c.Setup()
		require.NoError(t, err)
		require.Len(t, run.Wrong, 1)
		assert.Equal(t, "deposit 1200.35: got 600.17, want 600.18", run.Wrong[0])
	}
}

func TestTieredExact(t *testing.T) {
	tests := []struct{ deposit, want string }{
		{"1200.35", "600.18"}, // half a cent, away from zero
		{"2400.00", "1000"},   // the limit
		{"420.50", "126.15"},
		{"305.00", "91.5"},
		{"150.00", "10"},
		{"100.00", "0"}, // "above" is strict
		{"99.99", "0"},
	}
	for _, tt := range tests {
		got := TieredExact(decimal.RequireFromString(tt.deposit))
		assert.True(t, got.Equal(decimal.RequireFromString(tt.want)), "TieredExact(%s) = %s, want %s", tt.deposit, got, tt.want)
	}
}

// TestRuleSetGolden keeps testdata/rules200.promo, workload 3's rule set,
// equal to what RuleSetPromo generates, so that it can be read and checked
// with promoc (`go test -update` rewrites it).
func TestRuleSetGolden(t *testing.T) {
	got := RuleSetPromo(RuleSpecs(RuleSetSize))
	const path = "testdata/rules200.promo"
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "run go test -update")
	assert.Equal(t, RuleSetSize, strings.Count(string(got), "\nreward "))
}
