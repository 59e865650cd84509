package compiler_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
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
			[]string{"11:13: constant with 1024 digits after the point, more than 1000 (limit Decimals) [exceeded-limit]"}},
		// Issue 10, hang 6: 0.1 squared 27 times, then + 1, ran for minutes.
		{"0.1 squared 27 times, plus 1", func() string { return squares("0.1", 27) + "const b = a27 + 1\n" },
			[]string{"11:13: constant with 1024 digits after the point, more than 1000 (limit Decimals) [exceeded-limit]"}},
		{"an integer squared", func() string { return squares("9999999999", 12) },
			[]string{"10:12: constant of 5120 characters, more than 4000 (limit Digits) [exceeded-limit]"}},
		{"a product of many factors", func() string {
			return "const x = " + strings.Repeat("99999999999999999999 * ", 250) + "1\n"
		}, []string{"1:11: constant of 4020 characters, more than 4000 (limit Digits) [exceeded-limit]"}},
		{"within the limits", func() string {
			return squares("0.1", 9) + "const big = " + strings.Repeat("9", 2000) + " * " + strings.Repeat("9", 1999) + "\n"
		}, nil},
		{"a percentage of 999 decimals", func() string { return "const p = 0." + strings.Repeat("1", 999) + "%\n" },
			[]string{"1:11: constant with 1001 digits after the point, more than 1000 (limit Decimals) [exceeded-limit]"}},
		// Issue 10, wrong answer 5: a 100,000-digit give was calculated.
		{"a 100000-digit give", func() string { return "reward r: points {\n\tgive " + strings.Repeat("9", 100000) + "\n}\n" },
			[]string{"2:7: number too long: more than 4000 characters (limit Digits) [exceeded-limit]"}},
		// Issue 10, hang 9: a 10M-digit literal took 117 s.
		{"a 10M-digit literal", func() string { return "const x = 1." + strings.Repeat("0", 10_000_000) + " EUR\n" },
			[]string{"1:11: number too long: more than 4000 characters (limit Digits) [exceeded-limit]"}},
	})
}

func TestHostileTimes(t *testing.T) {
	runHostile(t, []hostile{
		// Issue 10, wrong answer 4: these wrapped through UnixNano.
		{"a date in 9999", func() string { return "reward r: points {\n\tcheck now < 9999-12-31 { give 10 }\n\tskip \"none\"\n}\n" },
			[]string{"2:14: date 9999-12-31 outside the range from 1900-01-01 to before 2200-01-01 (limits MinTime and MaxTime) [exceeded-limit]"}},
		{"a date in 2611", func() string {
			return "reward r: points {\n\tcheck now > 2611-06-11 10:00 { give 10 }\n\tskip \"none\"\n}\n"
		},
			[]string{"2:14: date 2611-06-11 outside the range from 1900-01-01 to before 2200-01-01 (limits MinTime and MaxTime) [exceeded-limit]"}},
		{"a date in 1899", func() string { return "const t = 1899-12-31 23:59:59\n" },
			[]string{"1:11: date 1899-12-31 outside the range from 1900-01-01 to before 2200-01-01 (limits MinTime and MaxTime) [exceeded-limit]"}},
		{"the first and last days", func() string { return "const a = 1900-01-01\nconst b = 2199-12-31 23:59:59\n" }, nil},
		{"a window ending in year 0", func() string {
			return "kind bet { amount: money }\nreward r: amount {\n\twindow from 2027-01-01 to 0000-01-01\n\tgive sum(bet.amount)\n}\n"
		}, []string{"3:28: date 0000-01-01 outside the range from 1900-01-01 to before 2200-01-01 (limits MinTime and MaxTime) [exceeded-limit]"}},
		{"a time folded past the range", func() string { return "const t = 2199-12-31 + 2 days\n" },
			[]string{"1:11: time 2200-01-02 00:00:00 outside the range from 1900-01-01 to before 2200-01-01 (limits MinTime and MaxTime) [exceeded-limit]"}},
		{"a difference of times beyond 292 years", func() string { return "const d = 2199-01-01 - 1900-01-01\n" },
			[]string{"1:11: time or duration out of range: beyond the year 2262 or 292 years [exceeded-limit]"}},
		{"a time plus durations beyond the year 2262", func() string {
			return "const w = 7000 weeks\nconst d = 1900-01-01 + w + w + w\n"
		}, []string{"2:11: time or duration out of range: beyond the year 2262 or 292 years [exceeded-limit]"}},
	})
}
