package compiler_test

import (
	"fmt"
	"strings"
)

// hostileSeeds are rule files that reached crashes, hangs and wrong answers
// of issue 10, cut to the 16 KiB the fuzz targets read: chains and cycles
// of consts, deep unary chains across consts, repeated squaring, huge
// products, dates and times outside the range, long tiers and checks.
// FuzzCheck starts from them so that its mutations stay near those edges.
func hostileSeeds() [][]byte {
	var srcs []string
	chain := func(n int, f func(i int) string) string {
		var b strings.Builder
		b.WriteString("reward r: points {\n\tgive c0\n}\n")
		for i := range n {
			b.WriteString(f(i) + "\n")
		}
		return b.String()
	}
	srcs = append(srcs,
		chain(400, func(i int) string { return fmt.Sprintf("const c%d = c%d", i, i+1) })+"const c400 = 1\n",
		chain(400, func(i int) string { return fmt.Sprintf("const c%d = c%d", i, (i+1)%400) }),
		chain(60, func(i int) string { return fmt.Sprintf("const c%d = %sc%d", i, strings.Repeat("-", 199), i+1) })+"const c60 = 1\n",
	)
	squares := func(first string, n int) string {
		var b strings.Builder
		b.WriteString("const a0 = " + first + "\n")
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "const a%d = a%d * a%d\n", i, i-1, i-1)
		}
		return b.String()
	}
	srcs = append(srcs,
		squares("0.1", 31),
		squares("0.1", 27)+"reward r: points {\n\tgive a27 + 1\n}\n",
		squares("9999999999", 12),
		"const x = "+strings.Repeat("99999999999999999999 * ", 250)+"1\n",
		"const p = 0."+strings.Repeat("1", 999)+"%\n",
		"reward r: points {\n\tcheck now < 9999-12-31 { give 10 }\n\tcheck now > 2611-06-11 10:00 { give 5 }\n\tskip \"none\"\n}\n",
		"const t = 2199-12-31 + 2 days\nconst d = 2199-01-01 - 1900-01-01\nconst w = 7000 weeks\nconst e = 1900-01-01 + w + w + w\n",
	)
	var tiers, checks strings.Builder
	tiers.WriteString("kind bet { amount: money }\nreward r: amount {\n\ttiers sum(bet.amount) {\n")
	checks.WriteString("kind bet { amount: money }\nreward r: amount {\n\tlet s = sum(bet.amount)\n")
	for i := range 300 {
		fmt.Fprintf(&tiers, "\t\tabove %d EUR: give %d EUR\n", 300-i, i+1)
		fmt.Fprintf(&checks, "\tcheck s > %d EUR { give %d EUR }\n", 300-i, i+1)
	}
	tiers.WriteString("\t\telse: skip \"none\"\n\t}\n}\n")
	checks.WriteString("\tskip \"none\"\n}\n")
	srcs = append(srcs, tiers.String(), checks.String())
	out := make([][]byte, len(srcs))
	for i, s := range srcs {
		if len(s) > 1<<14 {
			panic(fmt.Sprintf("hostile seed %d has %d bytes, more than the fuzz targets read", i, len(s)))
		}
		out[i] = []byte(s)
	}
	return out
}
