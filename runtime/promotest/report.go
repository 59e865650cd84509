package promotest

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime"
)

// maxIDs bounds the transaction ids a trace line lists.
const maxIDs = 10

// WriteText writes the report for people. Each failed test gets a block:
// its name and position, a table of its expects with the expected and the
// actual side by side, and the trace of its evaluation. With verbose, each
// passed test gets a line too. With coverage in the report, the branches of
// each reward follow. The last line is the summary, "N passed, N failed".
func (r *Report) WriteText(w io.Writer, verbose bool) error {
	tw := &textWriter{w: w}
	for _, res := range r.Results {
		if res.Passed {
			if verbose {
				tw.printf("--- PASS: %s (%s)\n", printable(res.Name), res.where())
			}
			continue
		}
		tw.failure(res)
	}
	for _, c := range r.Coverage {
		tw.coverage(c)
	}
	tw.printf("%d passed, %d failed\n", r.Passed(), r.Failed())
	return tw.err
}

// where is the position of the test: file:line:col.
func (res *Result) where() string {
	return fmt.Sprintf("%s:%d:%d", res.File, res.Pos.Line, res.Pos.Col)
}

type textWriter struct {
	w   io.Writer
	err error
}

func (tw *textWriter) printf(format string, args ...any) {
	if tw.err == nil {
		_, tw.err = fmt.Fprintf(tw.w, format, args...)
	}
}

func (tw *textWriter) failure(res *Result) {
	tw.printf("--- FAIL: %s (%s)\n", printable(res.Name), res.where())
	if res.Problem != "" {
		tw.printf("    problem: %s\n", res.Problem)
	}
	if len(res.Checks) > 0 {
		rows := [][]string{{"", "line", "expected", "actual"}}
		for _, c := range res.Checks {
			mark := "ok"
			if !c.Passed {
				mark = "FAIL"
			}
			rows = append(rows, []string{mark, fmt.Sprintf("%d:%d", c.Pos.Line, c.Pos.Col), c.Expected, c.Actual})
		}
		tw.table("    ", rows)
	}
	if res.Actual.Outcome != "" {
		tw.printf("    trace of %s:\n", res.Reward)
		tw.trace("        ", &res.Actual)
	}
	if res.Rule != "" {
		tw.steps(res)
	}
}

// steps writes the outcomes of the rule of an event-sequence test: number,
// player, outcome, trigger and time.
func (tw *textWriter) steps(res *Result) {
	if len(res.Outcomes) == 0 {
		tw.printf("    %s gave no outcome\n", res.Rule)
		return
	}
	tw.printf("    outcomes of %s:\n", res.Rule)
	rows := make([][]string, 0, len(res.Outcomes))
	for _, s := range res.Outcomes {
		rows = append(rows, []string{strconv.Itoa(s.N), "player " + playerText(s.Player), s.Text, "on " + s.Trigger, "at " + wallText(s.At.UTC())})
	}
	tw.table("        ", rows)
}

// table writes rows in aligned columns, two spaces apart, trimming the end
// of each line.
func (tw *textWriter) table(indent string, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len(cell))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		b.WriteString(indent)
		for i, cell := range row {
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-len(cell)+2))
			}
		}
		tw.printf("%s\n", strings.TrimRight(b.String(), " "))
	}
}

// trace writes what the evaluation did: its window, the branches it took,
// its lets and aggregations, and how it ended.
func (tw *textWriter) trace(indent string, res *runtime.Result) {
	var rows [][]string
	line := func(p lang.Pos) string { return " (line " + strconv.Itoa(p.Line) + ")" }
	if t := res.Trace; t != nil {
		if t.Window != nil {
			rows = append(rows, []string{"window", wallText(t.Window.Start.UTC()) + " to " + wallText(t.Window.End.UTC()) + " UTC"})
		}
		for _, b := range t.Branches {
			rows = append(rows, []string{"branch", b.Label + line(b.Pos)})
		}
		for _, l := range t.Lets {
			rows = append(rows, []string{"let", l.Name + " = " + l.Value + line(l.Pos)})
		}
		for _, a := range t.Aggregations {
			text := fmt.Sprintf("matched %d = %s%s", a.Matched, a.Value, line(a.Pos))
			if len(a.IDs) > 0 {
				text += ": " + idList(a.IDs)
			}
			rows = append(rows, []string{a.Op + " " + a.Kind, text})
		}
	}
	end := Outcome(res)
	if raw := rawText(res); raw != "" {
		end += " (raw " + raw + ")"
	}
	if res.Manual {
		end += ", held for approval"
	}
	if res.Pos.IsValid() {
		end += fmt.Sprintf(" at %s:%d:%d", res.File, res.Pos.Line, res.Pos.Col)
	}
	rows = append(rows, []string{"outcome", end})
	tw.table(indent, rows)
}

// rawText is what the formula gave before rounding, cap and minimum, when
// the result carries a value.
func rawText(res *runtime.Result) string {
	if res.Kind == "template" {
		return ""
	}
	switch {
	case res.Outcome == runtime.Calculated:
	case res.Reason == "below-minimum", res.Reason == "rounded-to-zero", res.Reason == "non-positive-amount":
	default:
		return ""
	}
	raw := res.Raw()
	s := raw.StringFixed(max(0, -raw.Exponent())) // with its scale: 45.0, not 45
	if res.Kind == "amount" {
		s += " " + res.Currency
	}
	return s
}

// idList lists transaction ids, the first maxIDs of them.
func idList(ids []string) string {
	n := min(len(ids), maxIDs)
	shown := make([]string, n)
	for i, id := range ids[:n] {
		shown[i] = idText(id)
	}
	text := strings.Join(shown, " ")
	if len(ids) > n {
		text += fmt.Sprintf(" ... (%d more)", len(ids)-n)
	}
	return text
}

// idText returns a transaction's id as it is, or quoted when it is empty
// or holds a blank, a quote or a control character, so that the ids of a
// list separated by spaces stay apart ("dep 2" is one id, not two).
func idText(id string) string {
	if id == "" || strings.IndexFunc(id, func(r rune) bool { return r == '"' || unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return strconv.Quote(id)
	}
	return id
}

// printable returns a test's name as it is, or quoted, with its escapes,
// when it holds a control character: a name written "a\nb" must not break
// the line that reports it.
func printable(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strconv.Quote(s)
}

// coverage writes the branch coverage of a suite: one line per reward, and
// the position of each branch no test took.
func (tw *textWriter) coverage(c *Coverage) {
	e, t := c.Counts()
	tw.printf("coverage of %s: %s\n", c.Suite, fraction(e, t, "branch"))
	var rows [][]string
	for _, r := range c.Rewards {
		re, rt := r.Counts()
		branches := fraction(re, rt, "branch")
		if rt == 0 {
			branches = "no branches"
		}
		tests := plural(r.Tests, "test")
		if r.Tests == 0 {
			tests = "not tested"
		}
		rows = append(rows, []string{r.Reward, branches, tests})
	}
	if len(rows) > 0 {
		tw.table("    ", rows)
	}
	for _, r := range c.Rewards {
		for _, b := range r.Branches {
			if b.Tests == 0 {
				tw.printf("    not exercised: %s:%d:%d: %s (%s)\n", r.File, b.Pos.Line, b.Pos.Col, b.Label, r.Reward)
			}
		}
	}
	if len(c.Rules) == 0 {
		return
	}
	e, t = c.RuleCounts()
	tw.printf("triggers and limits of %s: %s\n", c.Suite, fraction(e, t, "case"))
	rows = rows[:0]
	for _, r := range c.Rules {
		re, rt := r.Counts()
		tests := plural(r.Tests, "test")
		if r.Tests == 0 {
			tests = "not tested"
		}
		rows = append(rows, []string{r.Kind + " " + r.Rule, fraction(re, rt, "case"), tests})
	}
	tw.table("    ", rows)
	for _, r := range c.Rules {
		for _, b := range r.Cases {
			if b.Tests == 0 {
				tw.printf("    not exercised: %s:%d:%d: %s (%s %s)\n", r.File, b.Pos.Line, b.Pos.Col, b.Label, r.Kind, r.Rule)
			}
		}
	}
}

// fraction writes "3 of 4 branches (75%)".
func fraction(n, total int, noun string) string {
	if total == 0 {
		return "no " + noun + "es"
	}
	return fmt.Sprintf("%d of %s (%d%%)", n, plural(total, noun), n*100/total)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "ch") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// seconds renders a duration as JUnit wants it.
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }
