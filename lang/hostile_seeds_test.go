package lang

import (
	"fmt"
	"strings"

	"github.com/promoc/promoc/lang/limits"
)

// hostileSeeds are sources made as an attacker would, at and just past the
// limits of lang/limits, and in the source text conventions the parser
// must read or refuse (issue 10). The fuzz targets start from them so that
// their mutations explore the edges of the limits, not only valid rules.
// Each is under the 16 KiB the targets read.
func hostileSeeds() [][]byte {
	var chain strings.Builder
	chain.WriteString("reward r: points {\n\tgive c0\n}\n")
	for i := range 300 {
		fmt.Fprintf(&chain, "const c%d = c%d\n", i, i+1)
	}
	chain.WriteString("const c300 = 1\n")
	srcs := []string{
		chain.String(),
		"const a = " + strings.Repeat("-", limits.Nesting) + "1\n",
		"const a = " + strings.Repeat("-", limits.Nesting+1) + "1\n",
		"const a = " + strings.Repeat("not ", limits.Nesting+1) + "true\n",
		"const a = " + strings.Repeat("(", limits.Nesting) + "1" + strings.Repeat(")", limits.Nesting) + "\n",
		"const a = " + strings.Repeat("[", limits.Nesting+1) + "\n",
		"const a = " + strings.Repeat("1+", limits.Operators) + "1\n",
		"const a = " + strings.Repeat("9", limits.Digits) + "\n",
		"const a = " + strings.Repeat("9", limits.Digits+1) + "\n",
		"const a = 0." + strings.Repeat("1", limits.Decimals+1) + " EUR\n",
		"const a = 0." + strings.Repeat("5", limits.Decimals) + "%\n",
		"reward r: points {\n\tcheck now < 9999-12-31 { give 10 }\n\tskip \"none\"\n}\n",
		"const t = 1899-12-31 23:59:59\nconst u = 2200-01-01\n",
		"\xEF\xBB\xBFconst a = 1\n",
		"const a = 1\rconst b = \"x\ry\"\r",
		"const a = 1\r\nconst b = 2\r\n",
		"// a\x00b\nconst a = \"\xff\"\n",
	}
	out := make([][]byte, len(srcs))
	for i, s := range srcs {
		out[i] = []byte(s)
	}
	return out
}
