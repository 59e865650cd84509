package lsp

import (
	"strings"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/spec"
)

// specDoc holds the documentation of the keywords, rounding modes, windows,
// result kinds, aggregations and types, cut out of the language reference
// (spec/spec.md) when the server starts: the reference is the one source of
// truth, and TestSpecDocs fails when a change of it leaves a keyword
// without documentation.
type specDoc struct {
	sections []mdSection
	words    map[string]string // keyword → markdown
	windows  map[lang.WindowKind]string
}

// mdSection is the text under one heading of the markdown, up to the next
// heading of any level.
type mdSection struct {
	level int
	title string // without the #s and the section number: "Settings", "kind"
	lines []string
}

func loadSpec() *specDoc { return parseSpec(spec.Markdown) }

func parseSpec(md string) *specDoc {
	d := &specDoc{words: map[string]string{}, windows: map[lang.WindowKind]string{}}
	fence := false
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
		}
		if !fence && strings.HasPrefix(line, "#") {
			level := len(line) - len(strings.TrimLeft(line, "#"))
			title := strings.TrimSpace(line[level:])
			if i := strings.Index(title, ". "); i > 0 && strings.Trim(title[:i], "0123456789") == "" {
				title = title[i+2:]
			}
			d.sections = append(d.sections, mdSection{level: level, title: title})
			continue
		}
		if len(d.sections) > 0 {
			s := &d.sections[len(d.sections)-1]
			s.lines = append(s.lines, line)
		}
	}
	d.build()
	return d
}

func (d *specDoc) section(title string) *mdSection {
	for i := range d.sections {
		if d.sections[i].title == title {
			return &d.sections[i]
		}
	}
	return nil
}

// intro returns the text of a section up to its first promo example.
func (d *specDoc) intro(title string) string {
	s := d.section(title)
	if s == nil {
		return ""
	}
	var out []string
	for _, l := range s.lines {
		if strings.HasPrefix(l, "```promo") {
			break
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// paragraphs returns the blocks of a section separated by blank lines.
func (d *specDoc) paragraphs(title string) []string {
	s := d.section(title)
	if s == nil {
		return nil
	}
	var out []string
	var cur []string
	fence := false
	for _, l := range s.lines {
		if strings.HasPrefix(l, "```") {
			fence = !fence
		}
		if !fence && strings.TrimSpace(l) == "" {
			if len(cur) > 0 {
				out = append(out, strings.Join(cur, "\n"))
			}
			cur = nil
			continue
		}
		cur = append(cur, l)
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, "\n"))
	}
	return out
}

// paragraph returns the first paragraph of a section that starts with
// prefix.
func (d *specDoc) paragraph(title, prefix string) string {
	for _, p := range d.paragraphs(title) {
		if strings.HasPrefix(p, prefix) {
			return p
		}
	}
	return ""
}

// paragraphWith returns the first paragraph of a section that holds text.
func (d *specDoc) paragraphWith(title, text string) string {
	for _, p := range d.paragraphs(title) {
		if strings.Contains(p, text) {
			return p
		}
	}
	return ""
}

// rows returns the rows of the section's tables whose first cell satisfies
// match, as a markdown table with the header of their table.
func (d *specDoc) rows(title string, match func(first string) bool) string {
	return d.table(title, func(cells []string) bool { return match(cells[0]) })
}

// rowsWithOp returns the rows of the section's tables whose second cell is
// op.
func (d *specDoc) rowsWithOp(title, op string) string {
	return d.table(title, func(cells []string) bool { return len(cells) > 1 && cells[1] == op })
}

// table returns the rows of the section's tables that satisfy match, each
// table's matching rows under the table's header.
func (d *specDoc) table(title string, match func(cells []string) bool) string {
	s := d.section(title)
	if s == nil {
		return ""
	}
	var out []string
	var header []string
	taken := false
	for i, l := range s.lines {
		if !strings.HasPrefix(l, "|") {
			header = nil
			continue
		}
		if i+1 < len(s.lines) && strings.HasPrefix(s.lines[i+1], "|---") {
			header, taken = []string{l, s.lines[i+1]}, false
			continue
		}
		if strings.HasPrefix(l, "|---") || header == nil {
			continue
		}
		if match(cells(l)) {
			if !taken {
				if len(out) > 0 {
					out = append(out, "")
				}
				out = append(out, header...)
				taken = true
			}
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// cells splits a table row into its cells, without their spaces. An
// escaped \| stays in its cell.
func cells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	row = strings.TrimSuffix(row, "|")
	var out []string
	start := 0
	for i := 0; i < len(row); i++ {
		switch row[i] {
		case '\\':
			i++
		case '|':
			out = append(out, strings.TrimSpace(row[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(row[start:]))
}

// cellIs matches a first cell that is exactly the word, in backquotes or
// not.
func cellIs(words ...string) func(string) bool {
	return func(c string) bool {
		for _, w := range words {
			if c == w || c == "`"+w+"`" {
				return true
			}
		}
		return false
	}
}

// cellStarts matches a first cell starting with one of the prefixes, its
// backquote removed.
func cellStarts(prefixes ...string) func(string) bool {
	return func(c string) bool {
		c = strings.TrimPrefix(c, "`")
		for _, p := range prefixes {
			if strings.HasPrefix(c, p) {
				return true
			}
		}
		return false
	}
}

// cellHasWord matches a first cell holding the word.
func cellHasWord(word string) func(string) bool {
	return func(c string) bool {
		for _, f := range strings.FieldsFunc(c, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_')
		}) {
			if f == word {
				return true
			}
		}
		return false
	}
}

func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n\n")
}

// build fills the tables of documentation.
func (d *specDoc) build() {
	w := d.words
	for _, k := range []string{"kind", "player", "currencies", "template", "const", "reward"} {
		w[k] = d.intro(k)
	}
	w["player."] = d.intro("Player properties")
	for _, k := range []string{"window", "round", "cap", "minimum", "approval"} {
		w[k] = d.rows("Settings", cellIs(k))
	}
	w["window"] = join(d.paragraph("Windows", "A reward's window"), w["window"])
	w["decimals"] = w["round"]
	w["auto"] = w["approval"]
	w["manual"] = join(w["approval"], d.bullet("Settings", "- `approval manual` marks"))
	// approval manual within D (hover.go): the setting's bullet and the
	// engine's paragraph.
	w["approval:within"] = join(d.bullet("Settings", "- `approval manual within DURATION`"), d.paragraph("Clauses", "**Approval timeouts.**"))
	for _, k := range []string{"let", "give", "skip", "check", "tiers"} {
		w[k] = join(d.rows("Statements", cellIs(k)), d.paragraph("Statements", "**"+k+".**"))
	}
	branches := d.rows("Statements", cellStarts("above", "at least", "below", "at most", "else"))
	for _, k := range []string{"above", "below", "at", "least", "most"} {
		w[k] = branches
	}
	w["else"] = branches // in tiers; in if-then-else, see "if"
	w["if"] = d.paragraph("Conditional", "`if COND then A else B`")
	w["then"] = w["if"]
	w["where"] = d.paragraph("Aggregations", "Each form takes an optional filter")
	w["not"] = join(d.intro("Logic"), d.paragraph("Operators and punctuation", "`!` alone"))
	w["and"] = d.intro("Logic")
	w["or"] = w["and"]
	w["in"] = d.paragraph("Comparisons", "`x in [a, b, ...]`")
	w["zone"] = d.paragraph("Windows", "**Zones.**")
	w["of"] = join("`p of x` is the percentage p of x: `5% of bets` is 0.05 × bets.", d.rowsWithOp("Arithmetic", "`of`"))
	w["true"] = d.rows("Literals", cellIs("bool"))
	w["false"] = w["true"]
	w["now"] = d.rows("Literals", cellIs("now"))
	w["default"] = d.paragraphWith("Player properties", "`player.NAME default X`")
	reserved := d.paragraph("Identifiers", "The last line is reserved")
	for _, k := range []string{"offer", "payout", "test", "every"} {
		w[k] = "`" + k + "` is a reserved keyword. " + reserved
	}
	d.ruleWords(w)  // automation, campaign and their clauses
	d.offerWords(w) // offer and its clauses
	if tests := d.intro("Tests"); tests != "" {
		w["test"] = join(tests, d.paragraph("Test files", "A test file belongs"))
	}
	// The clauses of tests, and their expectations. In a test, a clause's
	// word (reward, now, player) means the clause: the "test:" entries.
	for _, k := range []string{"reward", "now", "player", "transactions", "repeat", "load", "rates", "anchors", "expect"} {
		if rows := d.rows("Test files", cellStarts(k+" ", k)); rows != "" {
			w["test:"+k] = rows
			if w[k] == "" {
				w[k] = rows
			}
		}
	}
	// The clauses and expects of event-sequence tests.
	for k, match := range map[string]func(string) bool{
		"automation": cellStarts("automation NAME"), "campaign": cellStarts("automation NAME"),
		"budget": cellStarts("budget "), "events": cellStarts("events "), "advance": cellStarts("advance "),
		"update": cellStarts("update "), "approve": cellStarts("approve "), "reject": cellStarts("approve "),
	} {
		if rows := d.rows("Event-sequence tests", match); rows != "" {
			w["test:"+k] = rows
		}
	}
	for _, k := range []string{"rewards", "outcome", "budget", "group", "campaign"} {
		if rows := d.rows("Event-sequence tests", cellStarts("expect "+k)); rows != "" {
			w["expect:"+k] = rows
		}
	}
	w["expect:automation"] = w["expect:campaign"]
	w["every"] = join(w["test:repeat"], w["every"])
	w["test:expect"] = join(d.rows("Expectations", func(string) bool { return true }), d.paragraph("Expectations", "A test passes"))
	w["expect"] = w["test:expect"]
	for _, k := range []string{"calculated", "skipped", "error", "manual", "branch", "let", "aggregation", "matched", "ids", "window"} {
		if rows := d.rows("Expectations", cellHasWord(k)); rows != "" {
			w["expect:"+k] = rows
			if w[k] == "" {
				w[k] = rows
			}
		}
	}
	// Windows: each kind has a row of the table of section 10.
	rows := map[lang.WindowKind]func(string) bool{
		lang.WindowTimeBack:             cellStarts("last N"),
		lang.WindowLastFullDay:          cellIs("last full day"),
		lang.WindowLastFullWeek:         cellIs("last full week"),
		lang.WindowLastWeekend:          cellIs("last weekend"),
		lang.WindowLastFullMonth:        cellIs("last full month"),
		lang.WindowFixed:                cellIs("from DATE to DATE"),
		lang.WindowFirstToLast:          cellIs("between first transaction and last transaction"),
		lang.WindowQualificationToLast:  cellIs("between qualification and last transaction"),
		lang.WindowFirstToFixed:         cellIs("from first transaction to DATE"),
		lang.WindowQualificationToFixed: cellIs("from qualification to DATE"),
		lang.WindowSinceEntrance:        cellIs("since entrance"),
	}
	for k, match := range rows {
		d.windows[k] = d.rows("Windows", match)
	}
	for _, k := range []string{"last", "full", "day", "week", "weekend", "month", "from", "between", "since", "entrance", "first", "qualification", "transaction"} {
		w[k] = d.rows("Windows", cellHasWord(k))
	}
	w["to"] = join(w["round"], d.rows("Windows", cellHasWord("to")))
	for _, k := range []string{"nearest", "down", "up"} {
		w[k] = join(d.rows("Numbers and rounding", cellIs(k)), d.paragraph("Numbers and rounding", "(`nearest` is not"))
	}
	for _, k := range []string{"amount", "template", "points", "gems", "diamonds", "balance", "leaderboard", "level"} {
		if rows := d.rows("reward", cellHasWord(k)); rows != "" {
			w["result:"+k] = rows
			if w[k] == "" {
				w[k] = rows
			}
		}
	}
	for _, op := range []string{"sum", "count", "avg", "min", "max", "first", "last"} {
		w["agg:"+op] = join(d.paragraph("Aggregations", "An aggregation reads"), d.rows("Aggregations", func(c string) bool { return strings.Contains(c, "`"+op+"(") }))
	}
	for _, t := range []string{"money", "number", "count", "percent", "bool", "string", "time", "duration"} {
		w["type:"+t] = d.rows("Types", cellIs(strings.ToUpper(t[:1])+t[1:]))
	}
}

// offerWords documents the words of offers (section 17): the declaration
// by the section's introduction, the clauses by their rows. In an offer,
// hover prefers the "offer:" entries, for words that mean something else
// elsewhere (name, field).
func (d *specDoc) offerWords(w map[string]string) {
	const sec = "Offers"
	intro := d.intro(sec)
	w["offer"] = join(intro, d.paragraph(sec, "**Giving an offer.**"))
	for _, k := range []string{"reference", "name", "description", "image", "web", "field"} {
		w["offer:"+k] = d.rows("Offer clauses", cellIs(k))
		if w[k] == "" {
			w[k] = w["offer:"+k]
		}
	}
	w["offer:requires"] = d.rows("Offer clauses", cellIs("requires vouchers"))
	w["offer:needs"] = d.rows("Offer clauses", cellIs("needs synchronization"))
	for _, k := range []string{"requires", "vouchers"} {
		w[k], w["offer:"+k] = w["offer:requires"], w["offer:requires"]
	}
	for _, k := range []string{"needs", "synchronization"} {
		w[k], w["offer:"+k] = w["offer:needs"], w["offer:needs"]
	}
	w["offer:offer"] = intro
	w["rule:offer"] = w["offer"]
}

// ruleWords documents the words of automation rules and campaigns
// (section 16): the declarations by the section's introduction, the
// clauses by their rows and paragraphs.
func (d *specDoc) ruleWords(w map[string]string) {
	const sec = "Automation rules and campaigns"
	intro := d.intro(sec)
	w["automation"], w["campaign"] = intro, intro
	clause := func(row string, para string) string {
		return join(d.rows("Clauses", cellIs(row)), d.paragraph("Clauses", para))
	}
	events := d.rows("Clauses", cellStarts("on ", "every ", "inactive ", "schedule "))
	entrance := d.rows("Clauses", cellIs("entrance"))
	qualification := clause("qualification", "**Qualification.**")
	message := d.rows("Clauses", cellIs("message"))
	w["trigger"] = join(d.rows("Clauses", cellIs("trigger")), events)
	w["entrance"] = join(w["entrance"], entrance)
	w["segment"] = clause("segment", "**Segment.**")
	w["budget"] = clause("budget", "**Budget.**")
	w["split"] = clause("split", "**Split**")
	for _, k := range []string{"variant", "control", "seed"} {
		w[k] = w["split"]
	}
	w["qualification"] = join(w["qualification"], qualification)
	w["on"] = join(d.rows("Clauses", cellStarts("on ")), message)
	w["inactive"] = d.rows("Clauses", cellStarts("inactive "))
	w["schedule"] = d.rows("Clauses", cellStarts("schedule "))
	w["every"] = join(w["every"], d.rows("Clauses", cellStarts("every ")))
	messages := join(message, d.paragraph("Clauses", "**Messages.**"))
	for _, k := range []string{"send", "with", "issued"} {
		w[k] = messages
	}
	rateLimit := clause("rate limit", "**Rate limit.**")
	for _, k := range []string{"rewards", "messages", "message", "per"} {
		w[k] = rateLimit
	}
	// In a rule, words shared with windows, tiers and statements mean the
	// rule's clauses: the "rule:" entries, which hover prefers there.
	w["rule:at"] = w["per"]
	w["rule:most"] = w["per"]
	w["rule:on"] = w["on"]
	w["rule:first"] = d.rows("Clauses", cellStarts("on first "))
	w["rule:every"] = join(d.rows("Clauses", cellStarts("every ")), d.rows("Clauses", cellStarts("schedule every ")))
	// Where the clause is known, one row: every of a trigger or of a
	// schedule's words, in after a schedule (its row and what ZONE is).
	w["rule:trigger:every"] = d.rows("Clauses", cellStarts("every "))
	cron, words := d.rows("Clauses", cellStarts("schedule \"")), d.rows("Clauses", cellStarts("schedule every "))
	zone := d.paragraph("Clauses", "KIND is a declared kind")
	w["rule:schedule:cron:every"], w["rule:schedule:words:every"] = cron, words
	w["rule:schedule:cron:in"], w["rule:schedule:words:in"] = join(cron, zone), join(words, zone)
	w["rule:since"] = w["inactive"]
	w["rule:schedule"] = w["schedule"]
	w["rule:qualification"] = qualification
	w["rule:entrance"] = entrance
	w["rule:give"] = d.rows("Clauses", cellIs("give"))
	w["rule:approval"] = d.rows("Clauses", cellIs("approval"))
	w["rule:where"] = d.paragraph("Clauses", "KIND is a declared kind")
}

// bullet returns the item of a list in a section that starts with prefix,
// with its continuation lines.
func (d *specDoc) bullet(title, prefix string) string {
	s := d.section(title)
	if s == nil {
		return ""
	}
	var out []string
	for _, l := range s.lines {
		switch {
		case strings.HasPrefix(l, prefix):
			out = append(out, l)
		case len(out) > 0 && strings.HasPrefix(l, "  "):
			out = append(out, l)
		case len(out) > 0:
			return strings.Join(out, "\n")
		}
	}
	return strings.Join(out, "\n")
}

// keyword returns the documentation of a word of the language, or "".
func (d *specDoc) keyword(word string) string { return d.words[word] }

// keywordLists returns the reserved and the contextual keywords as the
// reference lists them, in its section on identifiers.
func (d *specDoc) keywordLists() (reserved, contextual []string) {
	var blocks [][]string
	var cur []string
	in := false
	s := d.section("Identifiers")
	if s == nil {
		return nil, nil
	}
	for _, l := range s.lines {
		switch {
		case strings.HasPrefix(l, "```text"):
			in, cur = true, nil
		case in && strings.HasPrefix(l, "```"):
			in = false
			blocks = append(blocks, cur)
		case in:
			cur = append(cur, strings.Fields(l)...)
		}
	}
	if len(blocks) < 2 {
		return nil, nil
	}
	return blocks[0], blocks[1]
}
