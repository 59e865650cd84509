package lang

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parenthesize renders e with every unary and binary operation in
// parentheses, so that the tree's grouping shows.
func parenthesize(e Expr) string {
	switch e := e.(type) {
	case *BinaryExpr:
		return "(" + parenthesize(e.X) + " " + e.Op.String() + " " + parenthesize(e.Y) + ")"
	case *UnaryExpr:
		if e.Op == OpNot {
			return "(not " + parenthesize(e.X) + ")"
		}
		return "(-" + parenthesize(e.X) + ")"
	case *ParenExpr:
		return "[" + parenthesize(e.X) + "]"
	case *PlayerExpr:
		if e.Default != nil {
			return "(player." + e.Prop.Name + " default " + parenthesize(e.Default) + ")"
		}
	case *AggregateExpr:
		if e.Where != nil && e.Attr != nil {
			return e.Op.String() + "(" + e.Kind.Name + "." + e.Attr.Name + " where " + parenthesize(e.Where) + ")"
		}
	case *CondExpr:
		return "(if " + parenthesize(e.Cond) + " then " + parenthesize(e.Then) + " else " + parenthesize(e.Else) + ")"
	}
	return ExprString(e)
}

// parseExpr parses src as the value of a constant.
func parseExpr(t *testing.T, src string) (Expr, Diagnostics) {
	t.Helper()
	f, diags := Parse("x", []byte("const x = "+src))
	if len(f.Decls) == 0 {
		return nil, diags
	}
	require.Len(t, f.Decls, 1)
	return f.Decls[0].(*ConstDecl).Value, diags
}

func TestPrecedence(t *testing.T) {
	tests := []struct{ src, want string }{
		{"a + b * c", "(a + (b * c))"},
		{"a * b + c", "((a * b) + c)"},
		{"a - b - c", "((a - b) - c)"},
		{"a / b / c", "((a / b) / c)"},
		{"a - b + c", "((a - b) + c)"},
		{"not a == b and c", "((not (a == b)) and c)"},
		{"not a and b", "((not a) and b)"},
		{"not not a", "(not (not a))"},
		{"a and not b", "(a and (not b))"},
		{"a or b and c", "(a or (b and c))"},
		{"a and b or c", "((a and b) or c)"},
		{"a or b or c", "((a or b) or c)"},
		{"5% of x - y", "((5% of x) - y)"},
		{"5% of x * y", "((5% of x) * y)"},
		{"a * 5% of x", "((a * 5%) of x)"},
		{"-a * b", "((-a) * b)"},
		{"-a - -b", "((-a) - (-b))"},
		{"- -a", "(-(-a))"},
		{"a + b < c * d", "((a + b) < (c * d))"},
		{"a == b and c != d", "((a == b) and (c != d))"},
		{"a in [1, 2] or b not in c", "((a in [1, 2]) or (b not in c))"},
		{"a + 1 in [2]", "((a + 1) in [2])"},
		{"not a in b", "(not (a in b))"},
		{"(a + b) * c", "([(a + b)] * c)"},
		{"a < (b < c)", "(a < [(b < c)])"},
		{"player.x default 0 + 1", "((player.x default 0) + 1)"},
		{"player.x default -1 * 2", "((player.x default (-1)) * 2)"},
		{"-player.x default 1", "(-(player.x default 1))"},
		{"if a then b else c + 1", "(if a then b else (c + 1))"},
		{"1 + if a then b else c", "(1 + (if a then b else c))"},
		{"if a or b then c * d else e", "(if (a or b) then (c * d) else e)"},
		{"sum(bet.amount where a > 1 and b) * 2", "(sum(bet.amount where ((a > 1) and b)) * 2)"},
		{"200 EUR | 220 USD * 2", "(200 EUR | 220 USD * 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			e, diags := parseExpr(t, tt.src)
			require.Empty(t, diags)
			assert.Equal(t, tt.want, parenthesize(e), "Parse(%q)", tt.src)
		})
	}
}

func TestExprErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"a < b < c", "comparisons cannot be chained; join them with and, as in a < b and b < c"},
		{"a == b != c", "comparisons cannot be chained; join them with and, as in a < b and b < c"},
		{"a in b in c", "comparisons cannot be chained; join them with and, as in a < b and b < c"},
		{"a == not b", `not cannot come after "=="; put it in parentheses, as in == (not x)`},
		{"a + not b", `not cannot come after "+"; put it in parentheses, as in + (not x)`},
		{"a not in not b", `not cannot come after "not in"; put it in parentheses, as in not in (not x)`},
		{"-not a", `not cannot come after "-"; put it in parentheses, as in - (not x)`},
		{"sum(deposit)", "sum needs an attribute, as in sum(deposit.amount)"},
		{"avg(1)", "avg needs a kind and an attribute, as in avg(bet.amount)"},
		{"first()", "first takes one argument, as in first(bet.amount)"},
		{"min(deposit where x)", "min needs an attribute, as in min(deposit.amount)"},
		{"abs(x where y)", "where can only filter an aggregation such as sum(bet.amount where ...)"},
		{"min(a.b where x, c)", "where can only filter an aggregation such as sum(bet.amount where ...)"},
		{"a +", `unexpected end of file: expected an expression after "+"`},
		{"(a", `unexpected end of file: expected ")"`},
		{"f(a b)", `expected ")", found "b"`},
		{"a b", `expected a declaration (kind, player, currencies, template, const, reward, automation, campaign or offer), found "b"`},
		{"player.", `unexpected end of file: expected a player property name after "."`},
		{"player x", `expected "." after "player", found "x"`},
		{"if a b", `expected "then" after the condition of "if", found "b"`},
		// Each place where exprparse.go commits and fails, as participle did.
		{"f(a, )", `expected an expression after ",", found ")"`},
		{"[a, ]", `expected an expression after ",", found "]"`},
		{"f(a where )", `expected an expression after "where", found ")"`},
		{"a not", `unexpected end of file: expected "in" after "not"`},
		{"- )", `expected an expression after "-", found ")"`},
		{"1 EUR |", `unexpected end of file: expected an amount of money such as 10 EUR after "|"`},
		// A minus before a per-currency value would negate every amount, not the first.
		{"-10 EUR | 1000 JPY", "a minus before a per-currency value negates each of its amounts, not only the first: write -(10 EUR | 1000 JPY) to negate them all"},
		{"x - -10 EUR | 1000 JPY", "a minus before a per-currency value negates each of its amounts, not only the first: write -(10 EUR | 1000 JPY) to negate them all"},
		// A minus inside one: the amounts take no sign.
		{"1 EUR | -2 USD", "the amounts of a per-currency value are written without a sign: a negative value is written -(1 EUR | 2 USD), which negates each of its amounts"},
		{"1 EUR | 2 GBP | -3 USD | 4 JPY", "the amounts of a per-currency value are written without a sign: a negative value is written -(1 EUR | 2 GBP | 3 USD | 4 JPY), which negates each of its amounts"},
		{"x + 1 EUR | --2 USD", "the amounts of a per-currency value are written without a sign: a negative value is written -(1 EUR | 2 USD), which negates each of its amounts"},
		{"a.", `unexpected end of file: expected a name after "."`},
		{"player.x default", `unexpected end of file: expected an expression after "default"`},
		{"if a then b", `unexpected end of file: expected "else" to finish "if ... then ..."`},
		{"if a then", `unexpected end of file: expected an expression after "then"`},
		{"[a b]", `expected "]", found "b"`},
		{"f(", `unexpected end of file: expected ")"`},
		{"not", `unexpected end of file: expected an expression after "not"`},
		{"2026-13-01", "invalid date 2026-13-01"},
		{"2026-02-29", "invalid date 2026-02-29"},
		{"2026-01-01 10:60", "invalid time 10:60"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, diags := parseExpr(t, tt.src)
			require.Len(t, diags, 1, "Parse(%q) = %v", tt.src, diags)
			assert.Equal(t, tt.want, diags[0].Message, "Parse(%q)", tt.src)
		})
	}
}

// TestExprStringDurations: without the source, a duration is rendered with
// its unit as written, singular or plural, so that a label (a trace's
// branch, a message) reads "below 1 hour" as the author wrote it.
func TestExprStringDurations(t *testing.T) {
	for _, src := range []string{"1 hour", "1 hours", "2 hours", "1 day", "7 days", "1 week", "2 weeks", "1 minute", "90 minutes", "now - 1 day"} {
		e, diags := parseExpr(t, src)
		require.Empty(t, diags, src)
		assert.Equal(t, src, ExprString(e))
	}
	e, _ := parseExpr(t, "1day")
	assert.Equal(t, "1 day", ExprString(e))
}
