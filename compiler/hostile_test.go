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
