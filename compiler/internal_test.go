package compiler

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/lang"
)

// TestCheckNeverPanics makes the checker fail inside an expression, through
// the test hook, at every expression of a rule set in turn: each failure
// comes back as one internal-error diagnostic at that expression, never as
// a panic out of Check.
func TestCheckNeverPanics(t *testing.T) {
	src := `kind deposit { amount: money }
const bonus = 10 EUR
reward r: amount {
	let n = count(deposit where amount > bonus)
	check n > 2 { give bonus * 2 }
	give bonus
}
`
	f, diags := lang.Parse("r.promo", []byte(src))
	require.False(t, diags.HasErrors(), "%v", diags)
	var all []lang.Expr
	_, diags = Check([]*lang.File{f}, Config{hook: func(e lang.Expr) { all = append(all, e) }})
	require.False(t, diags.HasErrors(), "%v", diags)
	require.NotEmpty(t, all)

	for _, victim := range all {
		var info *Info
		require.NotPanics(t, func() {
			info, diags = Check([]*lang.File{f}, Config{hook: func(e lang.Expr) {
				if e == victim {
					var m map[string]int
					m["boom"]++ // a real runtime panic: assignment to a nil map
				}
			}})
		})
		require.NotNil(t, info)
		require.Len(t, diags, 1, "%v", diags)
		assert.Equal(t, lang.CodeInternalError, diags[0].Code)
		assert.Equal(t, "internal error: assignment to entry in nil map", diags[0].Message)
		assert.Equal(t, victim.Span(), diags[0].Span)
		assert.Equal(t, "r.promo", diags[0].File)
	}
}

// TestCheckTestsNeverPanics hands CheckTests a broken Info, on which it
// fails, and shows that the failure is a diagnostic.
func TestCheckTestsNeverPanics(t *testing.T) {
	f, diags := lang.Parse("r_test.promo", []byte("test \"t\" {\n\treward r\n\texpect skipped no-branch-matched\n}\n"))
	require.False(t, diags.HasErrors(), "%v", diags)
	broken := &Info{Rewards: []*RewardInfo{{}}} // a reward without a Symbol
	var ti *TestInfo
	require.NotPanics(t, func() { ti, diags = CheckTests([]*lang.File{f}, broken) })
	require.NotNil(t, ti)
	require.Len(t, diags, 1)
	assert.Equal(t, lang.CodeInternalError, diags[0].Code)
	assert.Contains(t, diags[0].Message, "internal error: runtime error: invalid memory address or nil pointer dereference")
}
