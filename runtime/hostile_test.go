package runtime_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime"
)

// TestHostileRuleSets compiles the rule files of issue 10 that crashed,
// hung or answered wrongly, as a host would: CompileSources and Analyze
// must return the one diagnostic that names the limit, not panic, not
// overflow the stack, not run for minutes.
func TestHostileRuleSets(t *testing.T) {
	var constChain strings.Builder // 496 KB: 99 consts of 4990 minus signs, each naming the next
	constChain.WriteString("reward r: points {\n give c0\n}\n")
	for i := range 99 {
		fmt.Fprintf(&constChain, "const c%d = %sc%d\n", i, strings.Repeat("-", 4990), i+1)
	}
	constChain.WriteString("const c99 = 1\n")
	squares := func(n int) string {
		var b strings.Builder
		b.WriteString("const a0 = 0.1\n")
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "const a%d = a%d * a%d\n", i, i-1, i-1)
		}
		return b.String()
	}
	tests := []struct {
		name, src, want string
	}{
		{"const chain", constChain.String(),
			"r.promo:4:212: error: expression nested too deeply: more than 200 operators in a row (limits.Nesting) [exceeded-limit]"},
		{"num.Mul panic", squares(31),
			"r.promo:11:13: error: constant with 1024 digits after the point, more than 1000 (limits.Decimals) [exceeded-limit]"},
		{"folding blow-up", squares(27) + "reward r: points {\n\tgive a27 + 1\n}\n",
			"r.promo:11:13: error: constant with 1024 digits after the point, more than 1000 (limits.Decimals) [exceeded-limit]"},
		{"date wraps", "reward r: amount {\n\tcheck now < 9999-12-31 { give 10 EUR }\n\tskip \"none\"\n}\n",
			"r.promo:2:14: error: date 9999-12-31 outside the range from 1900-01-01 to before 2200-01-01 (limits.MinTime and limits.MaxTime) [exceeded-limit]"},
		{"100,000-digit give", "reward r: points {\n\tgive " + strings.Repeat("9", 100_000) + "\n}\n",
			"r.promo:2:7: error: number too long: more than 4000 characters (limits.Digits) [exceeded-limit]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srcs := []runtime.Source{{Name: "r.promo", Text: []byte(tt.src)}}
			var a *runtime.Analysis
			require.NotPanics(t, func() { a = runtime.Analyze(srcs) })
			var got []string
			for _, d := range a.Diagnostics {
				got = append(got, d.String())
			}
			assert.Equal(t, []string{tt.want}, got)

			var err error
			require.NotPanics(t, func() { _, err = runtime.CompileSources(srcs) })
			var rerr *runtime.Error
			require.True(t, errors.As(err, &rerr), "%v", err)
			require.Len(t, rerr.Diagnostics, 1)
			assert.Equal(t, lang.CodeExceededLimit, rerr.Diagnostics[0].Code)
		})
	}
}
