package promotest

import (
	"strconv"
	"strings"
	"time"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/vm/num"
)

// Check is one expect clause of a test, judged: what it expected and what
// the evaluation gave, each as the clause would be written.
type Check struct {
	Pos      lang.Pos
	Expected string // "calculated 300.00 EUR"
	Actual   string // "calculated 150.00 EUR"
	Passed   bool
}

// judge compares one expectation with the result of the evaluation.
func (s *Suite) judge(e lang.Expectation, res *runtime.Result, playerZone string) Check {
	j := judge{consts: s.info.Info.Consts, templates: s.info.Info.Templates, res: res, zone: playerZone}
	c := Check{Pos: e.Span().Start}
	switch e := e.(type) {
	case *lang.ExpectOutcome:
		c.Expected, c.Actual, c.Passed = j.outcome(e)
	case *lang.ExpectManual:
		c.Expected, c.Actual, c.Passed = j.manual()
	case *lang.ExpectBranch:
		c.Expected, c.Actual, c.Passed = j.branch(e)
	case *lang.ExpectLet:
		c.Expected, c.Actual, c.Passed = j.let(e)
	case *lang.ExpectAggregation:
		c.Expected, c.Actual, c.Passed = j.aggregation(e)
	case *lang.ExpectWindow:
		c.Expected, c.Actual, c.Passed = j.window(e)
	}
	return c
}

type judge struct {
	consts    map[lang.Expr]*compiler.Value
	templates []*compiler.Symbol
	res       *runtime.Result
	zone      string // the player's
}

// Outcome renders the outcome of a result as an expect clause states it:
// calculated 300.00 EUR, calculated 42, calculated golden_quest_spins,
// skipped below-minimum "the amount is below the minimum", error
// missing-property "country".
func Outcome(res *runtime.Result) string {
	switch res.Outcome {
	case runtime.Calculated:
		switch res.Kind {
		case "template":
			return "calculated " + res.Template
		case "amount":
			return "calculated " + res.AmountString() + " " + res.Currency
		}
		return "calculated " + res.AmountString()
	}
	if res.Reason == vmSkipped && res.Detail != "" { // a skip statement, as expect writes it
		return "skipped " + strconv.Quote(res.Detail)
	}
	out := string(res.Outcome) + " " + res.Reason
	if res.Detail != "" {
		out += " " + strconv.Quote(res.Detail)
	}
	return out
}

func (j judge) outcome(e *lang.ExpectOutcome) (string, string, bool) {
	res := j.res
	actual := Outcome(res)
	if e.Outcome == lang.OutcomeCalculated {
		v := j.consts[e.Value]
		var want string
		switch v.Type.Kind {
		case compiler.Template: // a template's name, or a constant holding one
			want = j.templates[v.Template].Name
		case compiler.Money:
			want = v.Num.String() + " " + v.Type.Cur
		default:
			want = v.Num.String()
		}
		expected := "calculated " + want
		// The text compares the value and its scale: 300.00 EUR is not 300 EUR.
		return expected, actual, expected == actual
	}
	reason := vmSkipped
	if e.Reason != nil {
		reason = e.Reason.Name
	}
	expected := e.Outcome.String() + " " + reason
	ok := string(res.Outcome) == e.Outcome.String() && res.Reason == reason
	if e.Detail != nil {
		if reason == vmSkipped {
			expected = "skipped" // as the skip statement writes it
		}
		expected += " " + strconv.Quote(e.Detail.Value)
		ok = ok && res.Detail == e.Detail.Value
	}
	return expected, actual, ok
}

// vmSkipped is the reason of an explicit skip statement.
const vmSkipped = "skipped"

func (j judge) manual() (string, string, bool) {
	res := j.res
	switch {
	case res.Outcome != runtime.Calculated:
		return "manual", Outcome(res), false
	case res.Manual:
		return "manual", "manual", true
	}
	return "manual", "auto", false
}

func (j judge) branch(e *lang.ExpectBranch) (string, string, bool) {
	expected := "branch " + strconv.Quote(e.Label.Value)
	var taken []string
	ok := false
	if t := j.res.Trace; t != nil {
		for _, b := range t.Branches {
			taken = append(taken, strconv.Quote(b.Label))
			ok = ok || b.Label == e.Label.Value
		}
	}
	switch len(taken) {
	case 0:
		return expected, "no branch taken", false
	case 1:
		return expected, "branch " + taken[0], ok
	}
	return expected, "branches " + strings.Join(taken, ", "), ok
}

func (j judge) let(e *lang.ExpectLet) (string, string, bool) {
	want := j.consts[e.Value]
	expected := "let " + e.Name.Name + " == " + letText(want, valueText(want))
	if t := j.res.Trace; t != nil {
		for _, l := range t.Lets {
			if l.Name == e.Name.Name {
				return expected, "let " + l.Name + " == " + letText(want, l.Value), sameValue(want, l.Value)
			}
		}
	}
	return expected, "let " + e.Name.Name + " did not run", false
}

// valueText renders a checked value as a test writes it.
func valueText(v *compiler.Value) string {
	switch v.Type.Kind {
	case compiler.Money:
		return v.Num.String() + " " + v.Type.Cur
	case compiler.Number, compiler.Count:
		return v.Num.String()
	case compiler.Percent:
		return v.Num.String() // the fraction, as traces show percentages
	case compiler.String:
		return strconv.Quote(v.Str)
	case compiler.Bool:
		return strconv.FormatBool(v.Bool)
	case compiler.Time:
		return v.Time.Format(time.RFC3339Nano)
	case compiler.Duration:
		return v.Dur.String()
	case compiler.Template:
		return strconv.Quote(v.Str)
	}
	return "?"
}

// letText writes text, a value as valueText and traces write it, the way
// a test writes a value of want's type, so that the two sides of an expect
// let read as the test does: a time as a date in UTC (2026-11-23 09:30),
// a duration in the largest unit that holds it whole (30 minutes, 1 day;
// as traces write it when it has seconds), a percentage with its sign
// (5%). Other values, and text that is not of the type, stay as they are.
func letText(want *compiler.Value, text string) string {
	switch want.Type.Kind {
	case compiler.Time:
		if t, err := time.Parse(time.RFC3339Nano, text); err == nil {
			return wallText(t.UTC())
		}
	case compiler.Duration:
		if d, err := time.ParseDuration(text); err == nil {
			return durationText(d)
		}
	case compiler.Percent:
		if d, err := num.Parse(strings.TrimPrefix(text, "-")); err == nil {
			pct := d.Mul(num.FromInt(100)).Normalize().String() + "%"
			if strings.HasPrefix(text, "-") {
				pct = "-" + pct
			}
			return pct
		}
	}
	return text
}

// durationText writes d as a duration literal in the largest unit that
// holds it whole, or as Go does when it is not a whole number of minutes.
func durationText(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{7 * 24 * time.Hour, "week"}, {24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}} {
		if d >= u.d && d%u.d == 0 {
			n := int64(d / u.d)
			if n == 1 {
				return sign + "1 " + u.name
			}
			return sign + strconv.FormatInt(n, 10) + " " + u.name + "s"
		}
	}
	if d == 0 {
		return "0 minutes"
	}
	return sign + d.String()
}

// sameValue compares the value a test expects with the text of a traced
// value. Numbers and money compare by value, whatever their scale: a let
// holds an exact intermediate value, not an issued amount.
func sameValue(want *compiler.Value, got string) bool {
	switch want.Type.Kind {
	case compiler.Money:
		amount, cur, ok := strings.Cut(got, " ")
		if !ok || cur != want.Type.Cur {
			return false
		}
		d, err := num.Parse(amount)
		return err == nil && d.Equal(want.Num)
	case compiler.Number, compiler.Count, compiler.Percent:
		d, err := num.Parse(strings.TrimPrefix(got, "-"))
		if err != nil {
			return false
		}
		if strings.HasPrefix(got, "-") {
			d = d.Neg()
		}
		return d.Equal(want.Num)
	case compiler.Time:
		t, err := time.Parse(time.RFC3339Nano, got)
		return err == nil && t.Equal(want.Time)
	case compiler.Duration:
		d, err := time.ParseDuration(got)
		return err == nil && d == want.Dur
	}
	return valueText(want) == got
}

func (j judge) aggregation(e *lang.ExpectAggregation) (string, string, bool) {
	render := func(matched int, ids []string) string {
		s := "aggregation " + e.Kind.Name + " matched " + strconv.Itoa(matched)
		if e.IDs != nil {
			s += " ids"
			for _, id := range ids {
				s += " " + strconv.Quote(id)
			}
		}
		return s
	}
	wantIDs := make([]string, len(e.IDs))
	for i, id := range e.IDs {
		wantIDs[i] = id.Value
	}
	n, _ := strconv.Atoi(e.Matched.Text)
	expected := render(n, wantIDs)
	var seen []string
	if t := j.res.Trace; t != nil {
		for _, a := range t.Aggregations {
			if a.Kind != e.Kind.Name {
				continue
			}
			got := render(a.Matched, a.IDs)
			if a.Matched == n && (e.IDs == nil || equalStrings(a.IDs, wantIDs)) {
				return expected, got, true
			}
			if !containsString(seen, got) {
				seen = append(seen, got)
			}
		}
	}
	if len(seen) == 0 {
		return expected, "no aggregation over " + e.Kind.Name + " ran", false
	}
	return expected, strings.Join(seen, "; "), false
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (j judge) window(e *lang.ExpectWindow) (string, string, bool) {
	zone := zoneText(e.Zone)
	from, problem := wallTime(e.From, e.Zone, j.zone)
	to, _ := wallTime(e.To, e.Zone, j.zone)
	if problem != "" {
		return "window from " + e.From.Text + " to " + e.To.Text + zone, problem, false
	}
	expected := "window from " + wallText(from) + " to " + wallText(to) + zone
	t := j.res.Trace
	if t == nil || t.Window == nil {
		return expected, "no window: " + Outcome(j.res), false
	}
	loc := from.Location()
	actual := "window from " + wallText(t.Window.Start.In(loc)) + " to " + wallText(t.Window.End.In(loc)) + zone
	return expected, actual, t.Window.Start.Equal(from) && t.Window.End.Equal(to)
}

// wallText writes a time as a test writes dates: 2026-11-16 00:00, with
// seconds only when there are some, and their fraction when it is not
// zero (a time of an input document may have one: 09:30:00.5 is not the
// 09:30 a test writes, and must not read as it).
func wallText(t time.Time) string {
	if t.Second() != 0 || t.Nanosecond() != 0 {
		return t.Format("2006-01-02 15:04:05.999999999")
	}
	return t.Format("2006-01-02 15:04")
}
