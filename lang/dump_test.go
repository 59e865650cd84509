package lang

import (
	"fmt"
	"strconv"
	"strings"
)

var windowKindNames = [...]string{
	WindowFixed:                "fixed",
	WindowTimeBack:             "time-back",
	WindowLastFullDay:          "last-full-day",
	WindowLastFullWeek:         "last-full-week",
	WindowLastWeekend:          "last-weekend",
	WindowLastFullMonth:        "last-full-month",
	WindowFirstToLast:          "first-to-last",
	WindowQualificationToLast:  "qualification-to-last",
	WindowFirstToFixed:         "first-to-fixed",
	WindowQualificationToFixed: "qualification-to-fixed",
	WindowSinceEntrance:        "since-entrance",
}

var unaryNames = [...]string{OpNeg: "-", OpNot: "not"}

// dump renders the tree under n, one node a line, indented by depth: the
// node's type, its span and its scalar fields. Children come from Inspect,
// so the dump also shows what Walk visits.
func dump(n Node) string {
	var b strings.Builder
	depth := 0
	Inspect(n, func(n Node) bool {
		if n == nil {
			depth--
			return false
		}
		fmt.Fprintf(&b, "%s%s %s", strings.Repeat("  ", depth), strings.TrimPrefix(fmt.Sprintf("%T", n), "*lang."), n.Span())
		if attrs := nodeAttrs(n); attrs != "" {
			b.WriteString(" " + attrs)
		}
		b.WriteByte('\n')
		if f, ok := n.(*File); ok {
			for _, c := range f.Comments {
				fmt.Fprintf(&b, "  Comment %s %q\n", c.Span(), c.Text)
			}
		}
		depth++
		return true
	})
	return b.String()
}

func nodeAttrs(n Node) string {
	switch n := n.(type) {
	case *File:
		return "name=" + n.Name
	case *Ident:
		return n.Name
	case *PlayerDecl:
		return "keyword=" + n.Keyword.String()
	case *TypeName:
		return n.Name
	case *ResultType:
		if n.Kind == ResultPoints {
			return n.Kind.String() + " to " + n.Target.String()
		}
		return n.Kind.String()
	case *Window:
		return windowKindNames[n.Kind]
	case *Zone:
		if n.Player {
			return "player"
		}
	case *RoundSetting:
		return n.Mode.String()
	case *ApprovalSetting:
		if n.Manual {
			return "manual"
		}
		return "auto"
	case *TierBranch:
		return n.Op.String()
	case *NumberLit:
		return n.Text
	case *PercentLit:
		return n.Text + "%"
	case *MoneyLit:
		return n.Amount + " " + n.Currency
	case *DurationLit:
		return strconv.FormatInt(n.N, 10) + " " + n.Unit.String()
	case *DateLit:
		return fmt.Sprintf("%s (%04d-%02d-%02d %02d:%02d:%02d)", n.Text, n.Year, n.Month, n.Day, n.Hour, n.Min, n.Sec)
	case *StringLit:
		return strconv.Quote(n.Value)
	case *BoolLit:
		return strconv.FormatBool(n.Value)
	case *UnaryExpr:
		return unaryNames[n.Op]
	case *BinaryExpr:
		return n.Op.String()
	case *AggregateExpr:
		return n.Op.String()
	case *ExpectOutcome:
		return n.Outcome.String()
	case *TestRuleClause:
		return n.Kind.String()
	case *DecisionClause:
		if n.Approve {
			return "approve"
		}
		return "reject"
	case *ExpectStep:
		return n.Status.String()
	case *ExpectRuleStatus:
		if n.Suspended {
			return n.Kind.String() + " suspended"
		}
		return n.Kind.String() + " active"
	case *RuleDecl:
		return n.Kind.String()
	case *Event:
		return n.Kind.String()
	case *ClockTime:
		return fmt.Sprintf("%02d:%02d", n.Hour, n.Minute)
	case *LimitClause:
		return n.Unit
	case *SplitArm:
		if n.Control {
			return "control"
		}
	case *SendClause:
		return n.Outcome
	case *OfferClause:
		return n.Prop.String()
	}
	return ""
}
