package compiler

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/vm"
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

// TestInfo is what [CheckTests] learned about the tests of a rule set.
type TestInfo struct {
	// Info holds the side tables of the test files: Types, Consts, Defs and
	// Uses of their expressions and names. Its Kinds, Props, Templates and
	// Rewards are the rule set's; its ConstSyms are the tests' own
	// constants. The value of every literal and constant a test uses is in
	// Info.Consts.
	Info  *Info
	Tests []*TestCase // by file, then in source order
}

// TestCase is one checked test.
type TestCase struct {
	Decl   *lang.TestDecl
	File   string
	Name   string
	Reward *RewardInfo // nil when the test names no reward of the rule set
	// Sequence is set for an event-sequence test, which names an automation
	// rule or a campaign (seqtests.go); Rule is that rule, nil when it names
	// none of the rule set.
	Sequence bool
	Rule     *RuleInfo
}

// MaxRepeat bounds the transactions one repeat clause adds.
const MaxRepeat = 100_000

// SkipReasons and ErrorReasons are the reason codes a test may expect, in
// the order of spec/spec.md, section 11. "invalid-input" is the runtime's:
// the input is checked before the VM runs.
var (
	SkipReasons = []string{
		vm.ReasonSkipped, vm.ReasonNoBranchMatched, vm.ReasonNoMatchingTransactions,
		vm.ReasonNonPositiveAmount, vm.ReasonRoundedToZero, vm.ReasonBelowMinimum,
	}
	ErrorReasons = []string{
		"invalid-input", vm.ReasonMissingProperty, vm.ReasonCurrencyMismatch, vm.ReasonMissingCurrencyValue,
		vm.ReasonDivisionByZero, vm.ReasonMissingNow, vm.ReasonInvalidWindow, vm.ReasonWindowTooLong,
		vm.ReasonOutOfRange, vm.ReasonStepBudgetExhausted, vm.ReasonCancelled, vm.ReasonInvalidOperand,
	}
)

// AnchorNames are the fields of an anchors clause.
var AnchorNames = []string{"first_transaction", "last_transaction", "qualification", "entrance"}

// CheckTests checks the test files of a rule set against the rule set's
// Info (from [Check], which should have reported no errors). Test files
// see every name of the rule set and may declare constants of their own,
// shared by all of them; any other declaration in a test file is an error,
// as is a test in a rule file (reported by Check). CheckTests never modifies
// rules: its side tables are in the returned TestInfo, which is never nil.
// Like Check, it never panics: a bug of its own is a diagnostic with code
// [lang.CodeInternalError].
func CheckTests(files []*lang.File, rules *Info) (ti *TestInfo, diags lang.Diagnostics) {
	c := &testChecker{rules: rules, checker: &checker{
		info: &Info{
			Files:      files,
			Types:      map[lang.Expr]Type{},
			Consts:     map[lang.Expr]*Value{},
			Defs:       map[*lang.Ident]*Symbol{},
			Uses:       map[*lang.Ident]*Symbol{},
			Kinds:      rules.Kinds,
			Props:      rules.Props,
			Templates:  rules.Templates,
			Rewards:    rules.Rewards,
			Aggregates: map[*lang.AggregateExpr]*Symbol{},
		},
		globals:    map[string]*Symbol{},
		props:      map[string]*Symbol{},
		constDecls: map[*Symbol]*lang.ConstDecl{},
		constState: map[*Symbol]uint8{},
	}}
	ti = &TestInfo{Info: c.info}
	defer c.recoverInternal(&diags)
	for _, syms := range [][]*Symbol{rules.Kinds, rules.Templates, rules.ConstSyms} {
		for _, s := range syms {
			c.globals[s.Name] = s
			c.constState[s] = 2 // checked with the rules
		}
	}
	for _, r := range rules.Rewards {
		c.globals[r.Symbol.Name] = r.Symbol
	}
	for _, p := range rules.Props {
		c.props[p.Name] = p
	}
	tests := c.collectTests(files)
	c.resolveConsts()
	for _, t := range tests {
		ti.Tests = append(ti.Tests, c.checkTest(t.file, t.decl))
	}
	return ti, c.diags.Sort()
}

// testChecker checks test files with the checker of expressions, over the
// names of a checked rule set.
type testChecker struct {
	*checker
	rules *Info
}

type fileTest struct {
	file string
	decl *lang.TestDecl
}

// collectTests declares the constants of the test files and returns their
// tests, reporting duplicate test names and declarations that belong in
// rule files.
func (c *testChecker) collectTests(files []*lang.File) []fileTest {
	var tests []fileTest
	seen := map[string]fileTest{}
	for _, f := range files {
		c.file = f.Name
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *lang.ConstDecl:
				sym := &Symbol{Kind: SymConst, Name: d.Name.Name, Decl: d.Name, File: f.Name, Node: d, Doc: docOf(f, d), Type: tInvalid}
				c.declare(f, sym)
				if c.globals[sym.Name] == sym {
					c.constDecls[sym] = d
					c.info.ConstSyms = append(c.info.ConstSyms, sym)
				}
			case *lang.TestDecl:
				name := d.Name.Value
				if prev, ok := seen[name]; ok {
					c.diags.Add(lang.Diagnostic{File: f.Name, Span: d.Name.Span(), Severity: lang.Error, Code: lang.CodeDuplicateDecl,
						Message: fmt.Sprintf("test %q declared twice", name),
						Related: []lang.Related{{File: prev.file, Span: prev.decl.Name.Span(), Message: fmt.Sprintf("other test %q", name)}}})
					continue
				}
				seen[name] = fileTest{f.Name, d}
				tests = append(tests, fileTest{f.Name, d})
			case *lang.KindDecl:
				c.errorf(d.Name, lang.CodeMisplacedDecl, "a test file cannot declare kind %s: declare it in a rule file", d.Name.Name)
			case *lang.PlayerDecl:
				c.errorf(d, lang.CodeMisplacedDecl, "a test file cannot declare player properties: declare them in a rule file")
			case *lang.CurrenciesDecl:
				c.errorf(d, lang.CodeMisplacedDecl, "a test file cannot declare currencies: declare them in a rule file")
			case *lang.TemplateDecl:
				c.errorf(d.Name, lang.CodeMisplacedDecl, "a test file cannot declare template %s: declare it in a rule file", d.Name.Name)
			case *lang.RewardDecl:
				c.errorf(d.Name, lang.CodeMisplacedDecl, "a test file cannot declare reward %s: declare it in a rule file", d.Name.Name)
			}
		}
	}
	return tests
}

// testState is what checking one test tracks.
type testState struct {
	tc       *TestCase
	currency string // the player's, when the test sets it; "" when unknown
	once     map[string]lang.Node
	expects  int
	inputEnd lang.Node // the last input clause so far
	expect   lang.Node // the first expect, once seen
	repeated int64     // the transactions the repeat clauses so far add
}

func (c *testChecker) checkTest(file string, d *lang.TestDecl) *TestCase {
	c.file = file
	if IsSequence(d) {
		return c.checkSequence(file, d)
	}
	st := &testState{tc: &TestCase{Decl: d, File: file, Name: d.Name.Value}, once: map[string]lang.Node{}}
	// The reward and the player's currency first: expectations and money
	// values depend on them wherever they are written.
	hasNow, jsonLoad, named, hasZone := false, false, false, false
	for _, cl := range d.Clauses {
		switch cl := cl.(type) {
		case *lang.RewardClause:
			if !named {
				st.tc.Reward = c.testReward(cl.Reward)
				named = true
			}
		case *lang.PlayerClause:
			for _, f := range cl.Fields {
				switch f.Name.Name {
				case "currency":
					st.currency = c.currencyValue(f.Value)
					c.servedCurrency(d, f.Value, st.currency)
				case "zone":
					hasZone = true
				}
			}
		case *lang.NowClause:
			hasNow = true
		case *lang.LoadClause:
			jsonLoad = jsonLoad || path.Ext(cl.Path.Value) == ".json"
		}
	}
	for _, cl := range d.Clauses {
		c.testClause(st, cl)
	}
	if !hasZone && !jsonLoad {
		c.playerZoneless(d)
	}
	switch {
	case st.once["reward"] == nil:
		c.errorf(d.Name, lang.CodeInvalidTest, "test %q names no reward: add a clause such as reward tiered_deposit", d.Name.Value)
	case st.expects == 0:
		c.errorf(d.Name, lang.CodeInvalidTest, "test %q has no expect: state the outcome, as in expect calculated 10.00 EUR", d.Name.Value)
	case !hasNow && !jsonLoad:
		c.errorf(d.Name, lang.CodeInvalidTest, "test %q has no now: add the evaluation time, as in now 2026-11-23 10:00, or load an input document", d.Name.Value)
	}
	return st.tc
}

// playerZoneless reports the times a reward test writes in the player's
// zone when it gives the player none (no zone in its player clause, and no
// input document loaded that could): such a test could only fail when it
// runs.
func (c *testChecker) playerZoneless(d *lang.TestDecl) {
	for _, cl := range d.Clauses {
		var z *lang.Zone
		what := ""
		switch cl := cl.(type) {
		case *lang.NowClause:
			z, what = cl.Zone, "now"
		case *lang.ExpectWindow:
			z, what = cl.Zone, "the window"
		}
		if z != nil && z.Player {
			c.errorf(z, lang.CodeInvalidTest, "%s is in the player's zone, but the test gives the player none: add one, as in player { zone \"Europe/Malta\" }, or write the time in UTC or in a named zone such as in \"Europe/Malta\"", what)
		}
	}
}

// servedCurrency reports a player's currency that the rule set does not
// serve, unless the test expects the input error that it makes.
func (c *testChecker) servedCurrency(d *lang.TestDecl, at lang.Expr, code string) {
	served := c.rules.Currencies
	if code == "" || len(served) == 0 || slices.Contains(served, code) {
		return
	}
	for _, cl := range d.Clauses {
		if e, ok := cl.(*lang.ExpectOutcome); ok && e.Outcome == lang.OutcomeError && e.Reason != nil && e.Reason.Name == "invalid-input" {
			return
		}
	}
	c.errorf(at, lang.CodeInvalidTest, "the rule set serves %s, not %s: the run ends in error invalid-input, which this test does not expect",
		strings.Join(served, ", "), code)
}

// once reports a clause that may appear only once in a test.
func (c *testChecker) once(st *testState, what string, n lang.Node) bool {
	if prev := st.once[what]; prev != nil {
		c.diags.Add(lang.Diagnostic{File: c.file, Span: n.Span(), Severity: lang.Error, Code: lang.CodeInvalidTest,
			Message: fmt.Sprintf("%s set twice in test %q", what, st.tc.Name),
			Related: []lang.Related{{File: c.file, Span: prev.Span(), Message: "first " + what}}})
		return false
	}
	st.once[what] = n
	return true
}

func (c *testChecker) testClause(st *testState, cl lang.TestClause) {
	if c.sequenceOnly(cl) {
		return
	}
	if _, ok := cl.(lang.Expectation); ok {
		st.expects++
		if st.expect == nil {
			st.expect = cl
		}
		c.expectation(st, cl)
		return
	}
	if st.expect != nil {
		c.diags.Add(lang.Diagnostic{File: c.file, Span: cl.Span(), Severity: lang.Error, Code: lang.CodeInvalidTest,
			Message: "the input of a test comes before its expects: move this clause above the first expect",
			Related: []lang.Related{{File: c.file, Span: st.expect.Span(), Message: "first expect"}}})
	}
	switch cl := cl.(type) {
	case *lang.RewardClause:
		c.once(st, "reward", cl)
		return // not input: it may follow the input
	case *lang.LoadClause:
		c.load(st, cl)
		return // the fixture is the base the other input changes
	case *lang.NowClause:
		if c.once(st, "now", cl) {
			c.expr(cl.Time)
			c.testZone(cl.Zone)
		}
	case *lang.PlayerClause:
		if c.once(st, "player", cl) {
			c.playerID(cl)
			c.playerClause(st, cl)
		}
	case *lang.TransactionsClause:
		c.table(st, cl)
	case *lang.RepeatClause:
		c.repeat(st, cl)
	case *lang.RatesClause:
		if c.once(st, "rates", cl) {
			c.rates(st, cl)
		}
	case *lang.AnchorsClause:
		if c.once(st, "anchors", cl) {
			c.anchors(st, cl)
		}
	}
	st.inputEnd = cl
}

// sequenceOnly reports a clause of event-sequence tests in a reward test.
func (c *testChecker) sequenceOnly(cl lang.TestClause) bool {
	var what string
	switch cl.(type) {
	case *lang.EventsClause:
		what = "events"
	case *lang.AdvanceClause:
		what = "advance"
	case *lang.UpdateClause:
		what = "update"
	case *lang.DecisionClause:
		what = "approve or reject"
	case *lang.TestBudgetClause:
		what = "budget"
	case *lang.VouchersClause:
		what = "vouchers"
	case *lang.ExpectRewards, *lang.ExpectStep, *lang.ExpectBudgetLeft, *lang.ExpectRuleStatus, *lang.ExpectGroup:
		what = "this expect"
	default:
		return false
	}
	c.errorf(cl, lang.CodeInvalidTest, "%s belongs to event-sequence tests, which name an automation rule or a campaign (automation NAME); a reward test evaluates its reward once, on its transactions", what)
	return true
}

func (c *testChecker) testReward(id *lang.Ident) *RewardInfo {
	sym := c.globals[id.Name]
	if sym == nil || sym.Kind != SymReward {
		if sym != nil {
			c.errorf(id, lang.CodeUndefinedReward, "%s is a %s, not a reward", id.Name, sym.Kind)
		} else {
			c.errorf(id, lang.CodeUndefinedReward, "unknown reward %s%s", id.Name, c.didYouMean(id.Name, c.rewardNames))
		}
		return nil
	}
	c.info.Uses[id] = sym
	for _, r := range c.info.Rewards {
		if r.Symbol == sym {
			return r
		}
	}
	return nil
}

func (c *testChecker) load(st *testState, cl *lang.LoadClause) {
	if st.inputEnd != nil {
		c.diags.Add(lang.Diagnostic{File: c.file, Span: cl.Span(), Severity: lang.Error, Code: lang.CodeInvalidTest,
			Message: "load comes before the other input of a test, which adds to and overrides the fixture",
			Related: []lang.Related{{File: c.file, Span: st.inputEnd.Span(), Message: "input before the load"}}})
	}
	p := cl.Path.Value
	switch {
	case p == "" || path.IsAbs(p) || strings.HasPrefix(p, "/") || strings.Contains(p, `\`):
		c.errorf(cl.Path, lang.CodeInvalidTest, "load needs a path relative to the test file, with forward slashes, such as \"testdata/player.json\"")
	case path.Clean(p) == ".." || strings.HasPrefix(path.Clean(p), "../"):
		c.errorf(cl.Path, lang.CodeInvalidTest, "load reads the files of the test's directory and below: %s leads out of it", p)
	case path.Ext(p) != ".json" && path.Ext(p) != ".jsonl":
		c.errorf(cl.Path, lang.CodeInvalidTest, "load reads a JSON input document (.json) or JSON Lines of transactions (.jsonl), not %s", p)
	}
}

// testValue checks a value of a test: a literal or a constant.
func (c *testChecker) testValue(e lang.Expr) (Type, *Value) {
	c.constOnly = "a test value"
	t := c.expr(e)
	c.constOnly = ""
	if t.Kind == Invalid {
		return t, nil
	}
	v := c.info.Consts[e]
	if v == nil {
		c.errorf(e, lang.CodeInvalidTest, "a test value must be known before the test runs")
		return tInvalid, nil
	}
	return t, v
}

// want checks a value against the declared type of what it sets.
func (c *testChecker) want(st *testState, e lang.Expr, what string, to Type) {
	t, v := c.testValue(e)
	if t.Kind == Invalid || to.Kind == Invalid {
		return
	}
	if !assignable(t, to) && !wholeNumber(t, v, to) {
		if to.Kind == Money && t.Kind == Number {
			c.errorf(e, lang.CodeInvalidType, "%s is money: write the amount with its currency, as in %s %s", what, lang.ExprString(e), orEUR(st.currency))
			return
		}
		c.errorf(e, lang.CodeInvalidType, "%s is a %s, not a %s", what, to, t)
		return
	}
	if t.Kind == Money && len(v.PerCur) > 0 {
		c.errorf(e, lang.CodeInvalidType, "%s needs one amount, not one per currency", what)
	}
}

func orEUR(cur string) string {
	if cur == "" {
		return "EUR"
	}
	return cur
}

// currencyValue checks a currency code, written as a name (EUR) or a
// string, and returns it, or "" after an error.
func (c *testChecker) currencyValue(e lang.Expr) string {
	var code string
	switch e := e.(type) {
	case *lang.Ident:
		code = e.Name
	case *lang.StringLit:
		code = e.Value
	default:
		c.errorf(e, lang.CodeInvalidType, "expected a currency code such as EUR, not %s", lang.ExprString(e))
		return ""
	}
	if _, ok := currency.Parse(code); !ok {
		msg := "unknown currency " + code
		if s := currency.Suggest(code); s != "" {
			msg += " (did you mean " + s + "?)"
		}
		c.errorf(e, lang.CodeUnknownCurrency, "%s", msg)
		return ""
	}
	return code
}

func (c *testChecker) testZone(z *lang.Zone) {
	if z == nil || z.Player {
		return
	}
	if _, err := window.LoadZone(z.Name.Value); err != nil {
		c.errorf(z.Name, lang.CodeInvalidZone, "unknown time zone %q", z.Name.Value)
	}
}

// duplicates reports a field set twice in one block.
func (c *testChecker) duplicate(seen map[string]*lang.Ident, id *lang.Ident, where string) bool {
	if prev, ok := seen[id.Name]; ok {
		c.diags.Add(lang.Diagnostic{File: c.file, Span: id.Span(), Severity: lang.Error, Code: lang.CodeDuplicateDecl,
			Message: fmt.Sprintf("%s set twice in %s", id.Name, where),
			Related: []lang.Related{{File: c.file, Span: prev.Span(), Message: "first " + id.Name}}})
		return true
	}
	seen[id.Name] = id
	return false
}

func (c *testChecker) playerClause(st *testState, cl *lang.PlayerClause) {
	seen := map[string]*lang.Ident{}
	for _, f := range cl.Fields {
		if c.duplicate(seen, f.Name, "player") {
			continue
		}
		switch f.Name.Name {
		case "currency": // checked before the clauses
		case "id":
			c.want(st, f.Value, "the player's id", tString)
		case "zone":
			if _, v := c.testValue(f.Value); v != nil {
				if v.Type.Kind != String {
					c.errorf(f.Value, lang.CodeInvalidType, "zone is a time zone name such as \"Europe/Malta\", not a %s", v.Type)
				} else if _, err := window.LoadZone(v.Str); err != nil || v.Str == "" {
					c.errorf(f.Value, lang.CodeInvalidZone, "unknown time zone %q", v.Str)
				}
			}
		default:
			p := c.props[f.Name.Name]
			if p == nil {
				names := []string{"id", "currency", "zone"}
				for _, x := range c.info.Props {
					names = append(names, x.Name)
				}
				c.errorf(f.Name, lang.CodeUndefinedProperty, "unknown player property %s%s", f.Name.Name, didYouMean(f.Name.Name, names))
				c.testValue(f.Value)
				continue
			}
			c.info.Uses[f.Name] = p
			c.want(st, f.Value, "player."+p.Name, p.Type)
			c.inCurrency(st, f.Value, "player."+p.Name)
		}
	}
}

// playerID checks the id written after player in a reward test: the id of
// its one player, set once.
func (c *testChecker) playerID(cl *lang.PlayerClause) {
	if cl.ID == nil {
		return
	}
	if id := PlayerID(cl.ID); id == "" || id == Absent {
		c.errorf(cl.ID, lang.CodeInvalidTest, "a player's id is not empty or _: write a name or a string, as in player p1")
	}
	for _, f := range cl.Fields {
		if f.Name.Name == "id" {
			c.errorf(f.Name, lang.CodeDuplicateDecl, "the player's id is set after player already: leave out id")
		}
	}
}

// inCurrency reports money that is not in the player's currency, when the
// test sets it: properties and rates are in the player's currency.
func (c *testChecker) inCurrency(st *testState, e lang.Expr, what string) {
	v := c.info.Consts[e]
	if v == nil || v.Type.Kind != Money || v.Type.Cur == "" || st.currency == "" || v.Type.Cur == st.currency {
		return
	}
	c.errorf(e, lang.CodeInvalidCurrency, "%s is in the player's currency, %s, not %s", what, st.currency, v.Type.Cur)
}

// column is what a column of a table, or a field of a repeat, sets.
type column struct {
	name string
	attr *Symbol // nil for currency
}

// columnOf resolves a column of a table of kind k, or nil after an error.
func (c *testChecker) columnOf(k *Symbol, id *lang.Ident) *column {
	if id.Name == "currency" {
		return &column{name: "currency"}
	}
	if a := k.attr(id.Name); a != nil {
		c.info.Uses[id] = a
		return &column{name: id.Name, attr: a}
	}
	names := []string{"currency"}
	for _, a := range k.Attrs {
		names = append(names, a.Name)
	}
	c.errorf(id, lang.CodeUndefinedAttribute, "%s has no attribute %s%s", k.Name, id.Name, didYouMean(id.Name, names))
	return nil
}

// cell checks one value of a transaction and returns the currency of its
// money, if any.
func (c *testChecker) cell(st *testState, k *Symbol, col *column, e lang.Expr) string {
	if col == nil {
		c.testValue(e)
		return ""
	}
	if col.attr == nil {
		return c.currencyValue(e)
	}
	c.want(st, e, k.Name+"."+col.name, col.attr.Type)
	if v := c.info.Consts[e]; v != nil && v.Type.Kind == Money {
		return v.Type.Cur
	}
	return ""
}

// oneCurrency reports the money of a transaction in several currencies.
func (c *testChecker) oneCurrency(n lang.Node, curs []string) {
	for _, cur := range curs {
		if cur != "" && cur != curs[0] && curs[0] != "" {
			c.errorf(n, lang.CodeInvalidCurrency, "a transaction has one currency, but this one has %s and %s", curs[0], cur)
			return
		}
	}
}

func (c *testChecker) table(st *testState, cl *lang.TransactionsClause) {
	k := c.lookupKind(cl.Kind)
	if k == nil {
		for _, r := range cl.Rows {
			for _, v := range r.Values {
				c.testValue(v)
			}
		}
		return
	}
	cols := make([]*column, len(cl.Columns))
	seen := map[string]*lang.Ident{}
	hasTime := false
	for i, id := range cl.Columns {
		if c.duplicate(seen, id, "the header of transactions "+k.Name) {
			continue
		}
		cols[i] = c.columnOf(k, id)
		hasTime = hasTime || id.Name == "time"
	}
	if !hasTime && len(cl.Columns) > 0 {
		c.errorf(cl.Kind, lang.CodeInvalidTest, "transactions %s needs a time column", k.Name)
	}
	for _, r := range cl.Rows {
		curs := make([]string, 0, 2)
		for i, v := range r.Values {
			if i < len(cols) {
				if cur := c.cell(st, k, cols[i], v); cur != "" {
					curs = append(curs, cur)
				}
			}
		}
		if len(curs) > 1 {
			c.oneCurrency(r, curs)
		}
	}
}

func (c *testChecker) repeat(st *testState, cl *lang.RepeatClause) {
	if n, err := num.Parse(cl.Count.Text); err == nil {
		if i, ok := n.Int64At(0); !ok || i < 1 || i > MaxRepeat {
			c.errorf(cl.Count, lang.CodeInvalidTest, "repeat adds from 1 to %d transactions, not %s", MaxRepeat, cl.Count.Text)
		} else if st.repeated += i; st.repeated > limits.RepeatRows && st.repeated-i <= limits.RepeatRows {
			// Reported once, at the clause that crosses the limit.
			c.errorf(cl.Count, lang.CodeInvalidTest, "the repeat clauses of test %q add %d transactions so far, more than %d in all (limits.RepeatRows)",
				st.tc.Name, st.repeated, limits.RepeatRows)
		}
	}
	if cl.Every.N <= 0 {
		c.errorf(cl.Every, lang.CodeInvalidTest, "repeat needs a step of at least 1 %s", strings.TrimSuffix(cl.Every.Unit.String(), "s"))
	}
	c.expr(cl.Every)
	c.expr(cl.From)
	k := c.lookupKind(cl.Kind)
	if k == nil {
		for _, f := range cl.Fields {
			c.testValue(f.Value)
		}
		return
	}
	seen := map[string]*lang.Ident{}
	var curs []string
	for _, f := range cl.Fields {
		if c.duplicate(seen, f.Name, "repeat "+k.Name) {
			continue
		}
		if f.Name.Name == "time" || f.Name.Name == "id" {
			c.errorf(f.Name, lang.CodeInvalidTest, "repeat sets the %s of each transaction itself", f.Name.Name)
			continue
		}
		if cur := c.cell(st, k, c.columnOf(k, f.Name), f.Value); cur != "" {
			curs = append(curs, cur)
		}
	}
	if len(curs) > 1 {
		c.oneCurrency(cl, curs)
	}
}

func (c *testChecker) rates(st *testState, cl *lang.RatesClause) {
	seen := map[string]*lang.Ident{}
	for _, f := range cl.Rates {
		if c.duplicate(seen, f.Name, "rates") {
			continue
		}
		c.currencyValue(f.Name)
		t, v := c.testValue(f.Value)
		if t.Kind == Invalid {
			continue
		}
		if t.Kind != Money || len(v.PerCur) > 0 {
			c.errorf(f.Value, lang.CodeInvalidType, "a rate is the value of one %s in the player's currency, as in %s 0.92 %s", f.Name.Name, f.Name.Name, orEUR(st.currency))
			continue
		}
		if v.Num.Sign() <= 0 {
			c.errorf(f.Value, lang.CodeInvalidTest, "a rate must be positive, not %s", v.Num)
		} else if f.Name.Name == v.Type.Cur && (st.currency == "" || st.currency == v.Type.Cur) && !v.Num.Equal(num.New(1, 0)) {
			// A rate is in the player's currency, so this one is for the
			// player's own, whose money is never converted: other than 1,
			// it is a mistake (spec/spec.md, Input format).
			c.errorf(f.Value, lang.CodeInvalidTest, "%s is the player's own currency: its rate is 1 or absent, not %s", f.Name.Name, v.Num)
			continue
		}
		c.inCurrency(st, f.Value, "a rate")
	}
}

func (c *testChecker) anchors(st *testState, cl *lang.AnchorsClause) {
	seen := map[string]*lang.Ident{}
	for _, f := range cl.Fields {
		if c.duplicate(seen, f.Name, "anchors") {
			continue
		}
		known := false
		for _, a := range AnchorNames {
			known = known || a == f.Name.Name
		}
		if !known {
			c.errorf(f.Name, lang.CodeInvalidTest, "unknown anchor %s%s; the anchors are %s", f.Name.Name, didYouMean(f.Name.Name, AnchorNames), strings.Join(AnchorNames, ", "))
		}
		c.want(st, f.Value, "anchor "+f.Name.Name, tTime)
	}
}

// ---- expectations

func (c *testChecker) expectation(st *testState, cl lang.TestClause) {
	r := st.tc.Reward
	switch e := cl.(type) {
	case *lang.ExpectOutcome:
		c.expectOutcome(st, e)
	case *lang.ExpectManual:
		if r != nil && !r.Manual {
			c.errorf(e, lang.CodeInvalidTest, "reward %s has approval auto: it is never held for approval", r.Symbol.Name)
		}
	case *lang.ExpectBranch:
		if r == nil {
			return
		}
		labels := BranchLabels(r.Decl)
		for _, l := range labels {
			if l == e.Label.Value {
				return
			}
		}
		if len(labels) == 0 {
			c.errorf(e.Label, lang.CodeInvalidTest, "reward %s has no check or tiers, so no branch to expect", r.Symbol.Name)
			return
		}
		c.errorf(e.Label, lang.CodeInvalidTest, "reward %s has no branch %q%s; its branches are %s", r.Symbol.Name, e.Label.Value, didYouMeanQuoted(e.Label.Value, labels), quoteAll(labels))
	case *lang.ExpectLet:
		if r == nil {
			c.testValue(e.Value)
			return
		}
		var let *Symbol
		var names []string
		for _, l := range r.Lets {
			names = append(names, l.Name)
			if l.Name == e.Name.Name && let == nil {
				let = l
			}
		}
		if let == nil {
			c.errorf(e.Name, lang.CodeUndefinedName, "reward %s has no let %s%s", r.Symbol.Name, e.Name.Name, didYouMean(e.Name.Name, names))
			c.testValue(e.Value)
			return
		}
		c.info.Uses[e.Name] = let
		if let.Type.Kind == Number || let.Type.Kind == Percent {
			// As a comparison: numbers and percentages mix (5% is
			// exactly 0.05), and a let compares by value.
			if t, _ := c.testValue(e.Value); t.Kind != Invalid && !t.IsNumeric() {
				c.errorf(e.Value, lang.CodeInvalidType, "let %s is a %s, not a %s", let.Name, let.Type, t)
			}
			return
		}
		c.want(st, e.Value, "let "+let.Name, let.Type)
		if let.Type.Kind == Money && let.Type.Cur == "" {
			// Money whose currency the rules do not fix is the player's
			// (transactions are converted to it, a per-currency amount
			// takes its value): another currency can never match.
			c.inCurrency(st, e.Value, "let "+let.Name)
		}
	case *lang.ExpectAggregation:
		if n, err := num.Parse(e.Matched.Text); err != nil || n.Sign() < 0 {
			c.errorf(e.Matched, lang.CodeInvalidTest, "matched needs a whole number of transactions, not %s", e.Matched.Text)
		}
		k := c.lookupKind(e.Kind)
		if r == nil || k == nil {
			return
		}
		kinds := aggregatedKinds(r, c.rules.Aggregates)
		for _, name := range kinds {
			if name == k.Name {
				return
			}
		}
		if len(kinds) == 0 {
			c.errorf(e.Kind, lang.CodeInvalidTest, "reward %s reads no transactions", r.Symbol.Name)
			return
		}
		c.errorf(e.Kind, lang.CodeInvalidTest, "reward %s does not aggregate %s transactions; it aggregates %s", r.Symbol.Name, k.Name, strings.Join(kinds, ", "))
	case *lang.ExpectWindow:
		c.expr(e.From)
		c.expr(e.To)
		c.testZone(e.Zone)
		if r != nil && r.Window.Kind == window.All {
			c.errorf(e, lang.CodeInvalidTest, "reward %s has no window: it reads every transaction", r.Symbol.Name)
		}
		from, to := c.info.Consts[e.From], c.info.Consts[e.To]
		// A window may be empty: a day a zone skipped (Samoa's 2011-12-30)
		// starts and ends at one instant.
		if from != nil && to != nil && to.Time.Before(from.Time) {
			c.errorf(e.To, lang.CodeInvalidTest, "window ends before it starts: a window ends at or after its start")
		}
	}
}

func (c *testChecker) expectOutcome(st *testState, e *lang.ExpectOutcome) {
	r := st.tc.Reward
	if e.Outcome == lang.OutcomeCalculated {
		c.expectCalculated(st, e)
		return
	}
	if e.Detail != nil {
		c.expr(e.Detail)
	}
	if e.Reason == nil {
		if e.Outcome == lang.OutcomeError {
			c.errorf(e, lang.CodeInvalidTest, "expect error needs a reason code, as in expect error missing-property")
			return
		}
		c.expectSkipText(r, e.Detail)
		return
	}
	reason := e.Reason.Name
	own, other := SkipReasons, ErrorReasons
	if e.Outcome == lang.OutcomeError {
		own, other = other, own
	}
	if !contains(own, reason) {
		if contains(other, reason) {
			c.errorf(e.Reason, lang.CodeUndefinedReason, "%s is %s reason: write expect %s %s", reason, article(other), outcomeOf(other), reason)
			return
		}
		noun := "skip"
		if e.Outcome == lang.OutcomeError {
			noun = "error"
		}
		c.errorf(e.Reason, lang.CodeUndefinedReason, "unknown %s reason %s%s; the %s reasons are %s", noun, reason,
			didYouMean(reason, own), noun, strings.Join(own, ", "))
		return
	}
	if r == nil {
		return
	}
	name := r.Symbol.Name
	switch reason {
	case vm.ReasonSkipped:
		c.expectSkipText(r, e.Detail)
	case vm.ReasonNonPositiveAmount, vm.ReasonRoundedToZero, vm.ReasonBelowMinimum:
		if r.Decl.Result.Kind == lang.ResultTemplate {
			c.errorf(e.Reason, lang.CodeInvalidTest, "reward %s gives a template, which is never %s", name, reason)
		} else if reason == vm.ReasonBelowMinimum && r.Minimum == nil {
			c.errorf(e.Reason, lang.CodeInvalidTest, "reward %s has no minimum, so it is never below it", name)
		}
	case vm.ReasonNoMatchingTransactions:
		if !r.ReadsTransactions {
			c.errorf(e.Reason, lang.CodeInvalidTest, "reward %s reads no transactions", name)
		}
	}
}

func outcomeOf(reasons []string) string {
	if len(reasons) > 0 && reasons[0] == vm.ReasonSkipped {
		return "skipped"
	}
	return "error"
}

func article(reasons []string) string {
	if outcomeOf(reasons) == "skipped" {
		return "a skip"
	}
	return "an error"
}

// expectSkipText checks the text of an expected skip statement against the
// reward's skip statements.
func (c *testChecker) expectSkipText(r *RewardInfo, detail *lang.StringLit) {
	if r == nil {
		return
	}
	texts := SkipTexts(r.Decl)
	if len(texts) == 0 {
		c.errorf(detail, lang.CodeInvalidTest, "reward %s has no skip statement", r.Symbol.Name)
		return
	}
	if detail == nil || contains(texts, detail.Value) {
		return
	}
	c.errorf(detail, lang.CodeInvalidTest, "reward %s never skips with %q%s; its skip statements say %s", r.Symbol.Name, detail.Value, didYouMeanQuoted(detail.Value, texts), quoteAll(texts))
}

func (c *testChecker) expectCalculated(st *testState, e *lang.ExpectOutcome) {
	r := st.tc.Reward
	if r != nil && r.Decl.Result.Kind == lang.ResultTemplate {
		_, bare := e.Value.(*lang.Ident)
		c.wantTemplate = bare
	}
	t, v := c.testValue(e.Value)
	c.wantTemplate = false
	if t.Kind == Invalid || r == nil {
		return
	}
	name, kind := r.Symbol.Name, r.Decl.Result.Kind
	switch kind {
	case lang.ResultTemplate:
		if t.Kind != Template {
			c.errorf(e.Value, lang.CodeInvalidTest, "reward %s gives a template, so expect calculated needs a template name, not a %s", name, t)
		}
		return
	case lang.ResultAmount:
		if t.Kind != Money || len(v.PerCur) > 0 {
			c.errorf(e.Value, lang.CodeInvalidTest, "reward %s gives an amount, so expect calculated needs money, as in 10.00 %s, not a %s", name, orEUR(st.currency), t)
			return
		}
		if st.currency != "" && t.Cur != st.currency {
			c.errorf(e.Value, lang.CodeInvalidCurrency, "the player's currency is %s, and reward %s gives amounts in it, not in %s", st.currency, name, t.Cur)
			return
		}
	default:
		if t.Kind != Number && t.Kind != Count {
			c.errorf(e.Value, lang.CodeInvalidTest, "reward %s gives %s, so expect calculated needs a number, as in 42, not a %s", name, kind, t)
			return
		}
	}
	if v.Num.Sign() <= 0 {
		c.errorf(e.Value, lang.CodeInvalidTest, "a calculated %s is positive: zero or less is skipped as non-positive-amount", kind)
		return
	}
	decimals := r.Decimals
	if !r.RoundSet {
		decimals = 0
		if kind == lang.ResultAmount {
			code, _ := currency.Parse(t.Cur)
			decimals = code.MinorUnits()
		}
	}
	if v.Num.Scale() == decimals {
		return
	}
	what := "amounts"
	if kind != lang.ResultAmount {
		what = kind.String()
	}
	if fixed, ok := v.Num.Rescale(decimals); ok && fixed.Equal(v.Num) {
		suggestion := fixed.String()
		if t.Kind == Money {
			suggestion += " " + t.Cur
		}
		c.errorf(e.Value, lang.CodeInvalidTest, "reward %s issues %s with %s: write %s", name, what, plural(int(decimals), "decimal"), suggestion)
		return
	}
	c.errorf(e.Value, lang.CodeInvalidTest, "reward %s issues %s with %s, so never %s", name, what, plural(int(decimals), "decimal"), lang.ExprString(e.Value))
}

// BranchLabels lists the labels of a reward's branches as traces and
// coverage name them: a check taken (`check deposits > 5`) and failed
// (`check deposits > 5: false`), a tier branch (`above 500 EUR`, `else`),
// and the sides of an if outside where clauses (`if player.vip_level >= 1:
// then`, `if player.vip_level >= 1: else`). They come in the order of the
// compiled code, which [runtime.Program.Branches] follows: a check's failure
// after the branches inside its block, an if's sides after the ifs of its
// condition.
func BranchLabels(r *lang.RewardDecl) []string {
	var labels []string
	var walk func(n lang.Node)
	walk = func(n lang.Node) {
		if n == nil {
			return
		}
		lang.Inspect(n, func(c lang.Node) bool {
			switch c := c.(type) {
			case *lang.CheckStmt:
				walk(c.Cond)
				labels = append(labels, CheckLabel(c.Cond))
				walk(c.Body)
				labels = append(labels, CheckFailedLabel(c.Cond))
				return false
			case *lang.TierStmt:
				walk(c.Subject)
				for _, b := range c.Branches {
					if b.Op == lang.TierElse {
						labels = append(labels, "else")
					} else {
						walk(b.Bound)
						labels = append(labels, b.Op.String()+" "+lang.ExprString(b.Bound))
					}
					walk(b.Body)
				}
				return false
			case *lang.CondExpr:
				walk(c.Cond)
				labels = append(labels, IfLabel(c.Cond, "then"))
				walk(c.Then)
				labels = append(labels, IfLabel(c.Cond, "else"))
				walk(c.Else)
				return false
			case *lang.AggregateExpr:
				return false // filter code marks no branch
			}
			return c != nil
		})
	}
	walk(r)
	return labels
}

// CheckLabel is the label of a check whose condition held.
func CheckLabel(cond lang.Expr) string { return "check " + lang.ExprString(cond) }

// CheckFailedLabel is the label of a check whose condition did not hold.
func CheckFailedLabel(cond lang.Expr) string { return CheckLabel(cond) + ": false" }

// IfLabel is the label of one side, "then" or "else", of an if.
func IfLabel(cond lang.Expr, side string) string { return "if " + lang.ExprString(cond) + ": " + side }

// SkipTexts lists the texts of a reward's skip statements, in source order.
func SkipTexts(r *lang.RewardDecl) []string {
	var texts []string
	lang.Inspect(r, func(n lang.Node) bool {
		switch n := n.(type) {
		case *lang.SkipStmt:
			if !contains(texts, n.Reason.Value) {
				texts = append(texts, n.Reason.Value)
			}
		case lang.Expr:
			return false
		}
		return n != nil
	})
	return texts
}

// aggregatedKinds lists the kinds a reward aggregates, sorted.
func aggregatedKinds(r *RewardInfo, aggs map[*lang.AggregateExpr]*Symbol) []string {
	var kinds []string
	lang.Inspect(r.Decl, func(n lang.Node) bool {
		if a, ok := n.(*lang.AggregateExpr); ok {
			if k := aggs[a]; k != nil && !contains(kinds, k.Name) {
				kinds = append(kinds, k.Name)
			}
		}
		return n != nil
	})
	sort.Strings(kinds)
	return kinds
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func didYouMeanQuoted(s string, candidates []string) string {
	if m := Suggest(s, candidates); m != "" {
		return fmt.Sprintf(" (did you mean %q?)", m)
	}
	return ""
}

func quoteAll(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
