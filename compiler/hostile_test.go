package compiler_test

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/format"
	"github.com/promoc/promoc/lang/limits"
)

// The rule sets of these tests are made as an attacker would: long chains,
// deep nesting, huge numbers. Each must end in the diagnostics it names, or
// none, in time linear in its size: a quadratic pass, a recursion per
// element or a fold without bounds shows as a test that does not finish, or
// a crash.

// hostile is one generated rule set and what checking it must report.
type hostile struct {
	name string
	src  func() string
	want []string // "line:col: message [code]" of each diagnostic, in order; nil for none
}

func runHostile(t *testing.T, tests []hostile) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src()
			f, diags := lang.Parse("h.promo", []byte(src))
			if !diags.HasErrors() {
				var more lang.Diagnostics
				_, more = compiler.Check([]*lang.File{f}, compiler.Config{})
				diags = append(diags, more...)
			}
			var got []string
			for _, d := range diags {
				got = append(got, fmt.Sprintf("%d:%d: %s [%s]", d.Span.Start.Line, d.Span.Start.Col, d.Message, d.Code))
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func lines(n int, f func(i int) string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(f(i))
		b.WriteByte('\n')
	}
	return b.String()
}

const givesC0 = "reward r: points {\n\tgive c0\n}\n" // 3 lines

func TestHostileConsts(t *testing.T) {
	runHostile(t, []hostile{
		{"a chain of 20000 consts", func() string {
			return givesC0 + lines(20000, func(i int) string { return fmt.Sprintf("const c%d = c%d", i, i+1) }) + "const c20000 = 1\n"
		}, nil},
		{"a chain of consts of 199 minus signs each", func() string {
			// The repro of issue 10 had 4990 minus signs, beyond limits.Nesting.
			return givesC0 + lines(3000, func(i int) string {
				return fmt.Sprintf("const c%d = %sc%d", i, strings.Repeat("-", 199), i+1)
			}) + "const c3000 = 1\n"
		}, nil},
		{"a cycle of 20000 consts", func() string {
			return givesC0 + lines(20000, func(i int) string { return fmt.Sprintf("const c%d = c%d", i, (i+1)%20000) })
		}, []string{"4:7: const c0 refers to itself [invalid-cycle]"}},
		{"consts named in defaults", func() string {
			return "kind bet { amount: money default c0 }\n" + lines(10000, func(i int) string { return fmt.Sprintf("const c%d = c%d", i, i+1) }) + "const c10000 = 1 EUR\n"
		}, nil},
	})
}

func TestHostileNumbers(t *testing.T) {
	squares := func(first string, n int) string {
		return "const a0 = " + first + "\n" + lines(n, func(i int) string { return fmt.Sprintf("const a%d = a%d * a%d", i+1, i, i) })
	}
	runHostile(t, []hostile{
		// Issue 10, crash 2: the 31st square has a scale beyond math.MaxInt32,
		// and num.Mul panicked. The 10th has 1024 decimals, beyond the limit.
		{"0.1 squared 31 times", func() string { return squares("0.1", 31) },
			[]string{"11:13: constant with 1024 digits after the point, more than 1000 (limits.Decimals) [exceeded-limit]"}},
		// Issue 10, hang 6: 0.1 squared 27 times, then + 1, ran for minutes.
		{"0.1 squared 27 times, plus 1", func() string { return squares("0.1", 27) + "const b = a27 + 1\n" },
			[]string{"11:13: constant with 1024 digits after the point, more than 1000 (limits.Decimals) [exceeded-limit]"}},
		{"an integer squared", func() string { return squares("9999999999", 12) },
			[]string{"10:12: constant of 5120 characters, more than 4000 (limits.Digits) [exceeded-limit]"}},
		{"a product of many factors", func() string {
			return "const x = " + strings.Repeat("99999999999999999999 * ", 250) + "1\n"
		}, []string{"1:11: constant of 4020 characters, more than 4000 (limits.Digits) [exceeded-limit]"}},
		{"within the limits", func() string {
			return squares("0.1", 9) + "const big = " + strings.Repeat("9", 2000) + " * " + strings.Repeat("9", 1999) + "\n"
		}, nil},
		{"a percentage of 999 decimals", func() string { return "const p = 0." + strings.Repeat("1", 999) + "%\n" },
			[]string{"1:11: constant with 1001 digits after the point, more than 1000 (limits.Decimals) [exceeded-limit]"}},
		// Issue 10, wrong answer 5: a 100,000-digit give was calculated.
		{"a 100000-digit give", func() string { return "reward r: points {\n\tgive " + strings.Repeat("9", 100000) + "\n}\n" },
			[]string{"2:7: number too long: more than 4000 characters (limits.Digits) [exceeded-limit]"}},
		// Issue 10, hang 9: a 10M-digit literal took 117 s (and is now beyond
		// limits.FileBytes).
		{"a 2M-digit literal", func() string { return "const x = 1." + strings.Repeat("0", 2_000_000) + " EUR\n" },
			[]string{"1:11: number too long: more than 4000 characters (limits.Digits) [exceeded-limit]"}},
	})
}

func TestHostileTimes(t *testing.T) {
	runHostile(t, []hostile{
		// Issue 10, wrong answer 4: these wrapped through UnixNano.
		{"a date in 9999", func() string { return "reward r: points {\n\tcheck now < 9999-12-31 { give 10 }\n\tskip \"none\"\n}\n" },
			[]string{"2:14: date 9999-12-31 outside the range from 1900-01-01 to before 2200-01-01 (limits.MinTime and limits.MaxTime) [exceeded-limit]"}},
		{"a date in 2611", func() string {
			return "reward r: points {\n\tcheck now > 2611-06-11 10:00 { give 10 }\n\tskip \"none\"\n}\n"
		},
			[]string{"2:14: date 2611-06-11 outside the range from 1900-01-01 to before 2200-01-01 (limits.MinTime and limits.MaxTime) [exceeded-limit]"}},
		{"a date in 1899", func() string { return "const t = 1899-12-31 23:59:59\n" },
			[]string{"1:11: date 1899-12-31 outside the range from 1900-01-01 to before 2200-01-01 (limits.MinTime and limits.MaxTime) [exceeded-limit]"}},
		{"the first and last days", func() string { return "const a = 1900-01-01\nconst b = 2199-12-31 23:59:59\n" }, nil},
		{"a window ending in year 0", func() string {
			return "kind bet { amount: money }\nreward r: amount {\n\twindow from 2027-01-01 to 0000-01-01\n\tgive sum(bet.amount)\n}\n"
		}, []string{"3:28: date 0000-01-01 outside the range from 1900-01-01 to before 2200-01-01 (limits.MinTime and limits.MaxTime) [exceeded-limit]"}},
		{"a time folded past the range", func() string { return "const t = 2199-12-31 + 2 days\n" },
			[]string{"1:11: time 2200-01-02 00:00:00 outside the range from 1900-01-01 to before 2200-01-01 (limits.MinTime and limits.MaxTime) [exceeded-limit]"}},
		{"a difference of times beyond 292 years", func() string { return "const d = 2199-01-01 - 1900-01-01\n" },
			[]string{"1:11: time or duration out of range: beyond the year 2262 or 292 years [exceeded-limit]"}},
		{"a time plus durations beyond the year 2262", func() string {
			return "const w = 7000 weeks\nconst d = 1900-01-01 + w + w + w\n"
		}, []string{"2:11: time or duration out of range: beyond the year 2262 or 292 years [exceeded-limit]"}},
	})
}

func TestHostileSizes(t *testing.T) {
	tiers := func(n int) string {
		return "kind bet { amount: money }\nreward r: amount {\n\ttiers sum(bet.amount) {\n" +
			lines(n, func(i int) string { return fmt.Sprintf("\t\tabove %d EUR: give %d EUR", n-i, i+1) }) + "\t\telse: skip \"none\"\n\t}\n}\n"
	}
	checks := func(n int) string {
		return "kind bet { amount: money }\nreward r: amount {\n\tlet s = sum(bet.amount)\n" +
			lines(n, func(i int) string { return fmt.Sprintf("\tcheck s > %d EUR { give %d EUR }", n-i, i+1) }) + "\tskip \"none\"\n}\n"
	}
	kind := func(n int) string {
		return "kind bet {\n" + lines(n, func(i int) string { return fmt.Sprintf("\tf%d: number", i) }) + "}\n" +
			fmt.Sprintf("reward r: points {\n\tgive count(bet where f%d > 1 and f0 > 1)\n}\n", min(n, limits.Fields)-1)
	}
	list := func(n int) string {
		return "kind bet { game: string }\nreward r: points {\n\tgive count(bet where game in [" +
			strings.TrimSuffix(strings.Repeat(`"g", `, n), ", ") + "])\n}\n"
	}
	runHostile(t, []hostile{
		// Issue 10, hang 9: 100k tier branches took 158 s in the
		// unreachable-branch analysis, which was quadratic.
		{"10000 tier branches", func() string { return tiers(9999) }, nil}, // and else
		{"10001 tier branches", func() string { return tiers(10000) },
			[]string{"10004:3: too many branches in tiers: more than 10000 (limits.Branches) [exceeded-limit]"}},
		{"20000 tier branches", func() string { return tiers(20000) },
			[]string{"10004:3: too many branches in tiers: more than 10000 (limits.Branches) [exceeded-limit]"}},
		{"10000 checks in a row", func() string { return checks(10000) }, nil},
		{"10001 checks in a row", func() string { return checks(10001) },
			[]string{"10004:2: too many checks in a row: more than 10000 (limits.Branches) [exceeded-limit]"}},
		// Issue 10, hang 9: a kind of 100k fields took 38 s, each field
		// looked up among the ones before.
		{"a kind of 1000 fields", func() string { return kind(1000) }, nil},
		{"a kind of 20000 fields", func() string { return kind(20000) }, []string{
			"1002:2: too many attributes in kind bet: more than 1000 (limits.Fields) [exceeded-limit]"}},
		{"1001 player properties", func() string {
			return "player {\n" + lines(1001, func(i int) string { return fmt.Sprintf("\tp%d: number", i) }) + "}\n"
		}, []string{"1002:2: too many player properties: more than 1000 (limits.Fields) [exceeded-limit]"}},
		{"player properties in many blocks", func() string {
			return lines(20, func(i int) string {
				return "player {\n" + lines(100, func(j int) string { return fmt.Sprintf("\tp%d_%d: number", i, j) }) + "}"
			})
		}, []string{"1022:2: too many player properties: more than 1000 (limits.Fields) [exceeded-limit]"}},
		{"a list of 10000 elements", func() string { return list(10000) }, nil},
		{"a list of 10001 elements", func() string { return list(10001) },
			[]string{"3:50032: too many elements in a list: more than 10000 (limits.ListElements) [exceeded-limit]"}},
		// Each undefined name was compared with every visible one for a
		// suggestion: quadratic, until a budget bounded the comparisons.
		{"10000 undefined names among 10000 consts", func() string {
			return "reward r: points {\n" + lines(10000, func(i int) string { return fmt.Sprintf("\tlet l%d = undefined_%d", i, i) }) +
				"\tgive 1\n}\n" + lines(10000, func(i int) string { return fmt.Sprintf("const c%d = %d", i, i) })
		}, strings.Split(strings.TrimSuffix(lines(10000, func(i int) string {
			return fmt.Sprintf("%d:%d: undefined: undefined_%d [undefined-name]", i+2, len(fmt.Sprintf("\tlet l%d = ", i))+1, i)
		}), "\n"), "\n")},
		{"player in a const is no declaration", func() string {
			return "player { vip: number }\nconst a = player.vip\nconst b = 1 + player.vip\n"
		}, []string{
			"2:11: const a cannot read player properties [invalid-constant]",
			"3:15: const b cannot read player properties [invalid-constant]"}},
	})
}

// TestHostileRuleSet checks the limits on a whole rule set, across files.
func TestHostileRuleSet(t *testing.T) {
	// Two files of 60000 declarations each, made without parsing them.
	var files []*lang.File
	for i := range 2 {
		f := &lang.File{Name: fmt.Sprintf("f%d.promo", i)}
		for j := range 60000 {
			at := lang.Pos{Offset: 12 * j, Line: j + 1, Col: 1}
			name := &lang.Ident{Loc: lang.Loc{Start: at, End: at}, Name: fmt.Sprintf("c%d_%d", i, j)}
			f.Decls = append(f.Decls, &lang.ConstDecl{Loc: lang.Loc{Start: at, End: at}, Name: name, Value: &lang.NumberLit{Text: "1"}})
		}
		f.End = lang.Pos{Offset: 12 * 60000, Line: 60001, Col: 1}
		files = append(files, f)
	}
	_, diags := compiler.Check(files, compiler.Config{})
	if assert.Len(t, diags, 1) {
		assert.Equal(t, "f1.promo:40001:1: error: too many declarations in the rule set: more than 100000 (limits.Declarations) [exceeded-limit]", diags[0].String())
	}

	big := []byte("const a = 1\n" + strings.Repeat(" ", limits.FileBytes))
	f, diags := lang.Parse("big.promo", big)
	assert.Empty(t, f.Decls)
	if assert.Len(t, diags, 1) {
		assert.Equal(t, fmt.Sprintf("big.promo:1:1: error: file too large: %d bytes, more than %d (limits.FileBytes) [exceeded-limit]", len(big), limits.FileBytes), diags[0].String())
	}

	// Files just under FileBytes make a rule set beyond RuleSetBytes.
	files = files[:0]
	for i := range limits.RuleSetBytes/limits.FileBytes + 1 {
		f, _ := lang.Parse(fmt.Sprintf("f%d.promo", i), []byte("const a = 1\n"+strings.Repeat("\n", limits.FileBytes-12)))
		files = append(files, f)
	}
	_, diags = compiler.Check(files, compiler.Config{})
	if assert.Len(t, diags, 1) {
		assert.Equal(t, fmt.Sprintf("f%d.promo:1:1: error: rule set too large: more than %d bytes (limits.RuleSetBytes) [exceeded-limit]", limits.RuleSetBytes/limits.FileBytes, limits.RuleSetBytes), diags[0].String())
	}

	// Tokens, comments included: one file past the limit stops where it
	// passes it; two files each under it make a rule set beyond it.
	many := []byte(strings.Repeat("//\n", limits.Tokens) + "const a = 1\n")
	f, diags = lang.Parse("many.promo", many)
	assert.Empty(t, f.Decls)
	if assert.Len(t, diags, 1) {
		at := limits.Tokens + 1
		assert.Equal(t, fmt.Sprintf("many.promo:%d:1: error: too many tokens in one file: more than %d (limits.Tokens) [exceeded-limit]", at, limits.Tokens), diags[0].String())
	}
	half := []byte(strings.Repeat("//\n", limits.Tokens/2) + "const a = 1\n")
	files = files[:0]
	for i := range 2 {
		f, diags := lang.Parse(fmt.Sprintf("h%d.promo", i), half)
		require.Empty(t, diags)
		files = append(files, f)
	}
	_, diags = compiler.Check(files, compiler.Config{})
	if assert.Len(t, diags, 1) {
		assert.Equal(t, fmt.Sprintf("h1.promo:1:1: error: rule set too large: more than %d tokens (limits.Tokens) [exceeded-limit]", limits.Tokens), diags[0].String())
	}
}

// TestHostileDepth takes expressions at the limits of depth and length
// through every stage that recurses over them: parse, check, lowering,
// disassembly and formatting. None may overflow the stack or cost more
// than a few times the size of the expression.
func TestHostileDepth(t *testing.T) {
	const kind = "kind bet { amount: money }\n"
	tests := []struct{ name, src string }{
		{"a sum of 5000 operators", "reward r: points {\n\tgive " + strings.Repeat("1 + ", limits.Operators) + "1\n}\n"},
		{"parentheses at the limit of nesting", "reward r: points {\n\tgive " + strings.Repeat("(", limits.Nesting-1) + "1" + strings.Repeat(")", limits.Nesting-1) + "\n}\n"},
		{"minus signs at the limit of nesting", "reward r: points {\n\tgive " + strings.Repeat("-", limits.Nesting) + "1\n}\n"},
		{"nested ifs", "reward r: points {\n\tgive " + strings.Repeat("if true then ", limits.Operators/2) + "1" + strings.Repeat(" else 2", limits.Operators/2) + "\n}\n"},
		{"a check on a long sum", kind + "reward r: amount {\n\tlet s = sum(bet.amount)\n\tcheck s" + strings.Repeat(" + s", limits.Operators-1) + " > 20 EUR { give 1 EUR }\n" +
			"\tcheck s" + strings.Repeat(" + s", limits.Operators-1) + " > 10 EUR { give 2 EUR }\n\tskip \"none\"\n}\n"},
		{"a long where clause", kind + "reward r: points {\n\tgive count(bet where amount > 1 EUR" + strings.Repeat(" and amount > 1 EUR", limits.Operators/2-1) + ")\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, diags := lang.Parse("d.promo", []byte(tt.src))
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			info, diags := compiler.Check([]*lang.File{f}, compiler.Config{})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			prog, err := compiler.Lower(info)
			if err != nil {
				t.Fatal(err)
			}
			if err := prog.Disassemble(io.Discard, ""); err != nil {
				t.Fatal(err)
			}
			out, diags := format.Source("d.promo", []byte(tt.src))
			if diags.HasErrors() || len(out) == 0 {
				t.Fatalf("format: %v", diags)
			}
		})
	}
}

// TestHostileNames checks that suggestions for misspelt names cost no more
// than their names' lengths: two names of 100,000 letters that differ in
// one would take 10^10 steps of edit distance.
func TestHostileNames(t *testing.T) {
	long := strings.Repeat("x", 100_000)
	runHostile(t, []hostile{
		{"a long name misspelt", func() string {
			return "reward r: points {\n\tlet " + long + "a = 1\n\tgive " + long + "b\n}\n"
		}, []string{
			"2:6: let " + long + "a is never used [unused-let]",
			"3:7: undefined: " + long + "b [undefined-name]"}},
	})
}
