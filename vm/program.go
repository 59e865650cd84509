package vm

import (
	"strconv"
	"sync"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

// Program is a compiled set of rewards with the schema and constants they
// share. The compiler builds it; after that it is immutable and may be used
// by any number of goroutines at once. The machine checks it once, on first
// use (see [Program.Validate]).
type Program struct {
	// Strings are the interned constant strings: the string with id i is
	// Strings[i]. Ids from len(Strings) on belong to strings that appear only
	// in the data; [Prepare] gives them out per [Data].
	Strings []string
	// Consts are the constants of load_const, and the operands of filter terms.
	Consts []Value
	// PerCurrency are the tables of one amount per currency, for
	// load_per_currency and for caps and minimums. An amount in a table for
	// points has currency 0.
	PerCurrency [][]CurAmount
	// Lists are the constant lists of in, not_in and of In/NotIn terms.
	Lists [][]Value
	// Kinds is the schema of the transactions: kind i has its columns in the
	// order of Kinds[i].Attrs.
	Kinds []KindInfo
	// Props are the declared player properties; load_prop<i> reads Props[i].
	Props []PropInfo
	// Templates are the titles of the bonus templates ("10 Free Spins");
	// a KTemplate value indexes them.
	Templates []string
	// TemplateNames are the templates' names in the source
	// (golden_quest_spins); same length as Templates, or empty.
	TemplateNames []string
	// Rewards are the program's rewards, in source order.
	Rewards []*Reward
	// Conds are hidden rewards: the conditions of automation rules and
	// campaigns, each giving a positive number when its condition holds and
	// skipping when not (the compiler names them so that no reward name
	// collides). They are validated and run like Rewards, and the columns
	// they read are prepared, but they are not listed among Rewards.
	Conds []*Reward
	// Currencies are the currencies the rule set serves; [Prepare] rejects
	// a player in any other. Empty: it serves any currency.
	Currencies []currency.Code

	once      sync.Once
	err       error            // the result of Validate, set once
	kindIndex map[string]int   // kind name → index in Kinds
	attrIndex []map[string]int // per kind: attribute name → column
	propIndex map[string]int   // property name → index in Props
	strIndex  map[string]int32 // constant string → id
	usesMoney bool             // some attribute or property is money
	windows   int              // the number of distinct windows of the rewards (see Reward.win)
	noMatch   []string         // per kind: the detail of a skip for lack of its transactions, made once
	reads     [][]bool         // per kind, per column: a reward reads it (see readColumns)
	listSteps []int64          // per list: the steps of in and not_in on it beyond the first (see Options.MaxSteps)
}

// CurAmount is one entry of a per-currency table: an amount in currency Cur,
// or a plain number when Cur is 0.
type CurAmount struct {
	Cur currency.Code
	N   num.Dec
}

// KindInfo describes a transaction kind: bet { amount: money game: string }.
type KindInfo struct {
	Name  string
	Attrs []AttrInfo // the column of an attribute is its index here
}

// AttrInfo describes an attribute of a transaction kind.
type AttrInfo struct {
	Name string
	Type Kind // KNumber, KMoney, KBool, KString, KTime or KDuration
	// Default is used by [Prepare] for a transaction without the attribute
	// when HasDefault is set (a per-currency default: its entry for the
	// player's currency, if it has one); otherwise a missing string is "", a
	// missing bool false, and any other missing value an input error.
	HasDefault bool
	Default    Value
	// Whole is set for an attribute of type count: its values are whole
	// numbers, as the checker assumes when it finds a tier that can never
	// be reached, and a fraction is an input error.
	Whole bool
}

// PropInfo describes a declared player property.
type PropInfo struct {
	Name string
	Type Kind // KNumber, KMoney, KBool, KString, KTime or KDuration
	// Default is what [Prepare] uses for a player without the property when
	// HasDefault is set; otherwise the property is absent, and load_prop on
	// it traps with "missing-property". A per-currency default
	// (KPerCurrency) gives the entry for the player's currency, and leaves
	// the property absent when the table has none.
	HasDefault bool
	Default    Value
	// Whole is set for a property of type count: a fraction is an input
	// error, as for an attribute.
	Whole bool
}

// ResultKind is what a reward produces. The values are those of
// lang.ResultKind, in the same order.
type ResultKind uint8

const (
	ResultAmount   ResultKind = iota // money in the player's currency
	ResultTemplate                   // a bonus template
	ResultPoints                     // a plain number
	ResultGems                       // a plain number
	ResultDiamonds                   // a plain number
)

var resultNames = [...]string{"amount", "template", "points", "gems", "diamonds"}

// String returns "amount", "template", "points", "gems" or "diamonds".
func (k ResultKind) String() string {
	if int(k) < len(resultNames) {
		return resultNames[k]
	}
	return "ResultKind(" + strconv.Itoa(int(k)) + ")"
}

// PointsTarget is where points go; the values are those of lang.PointsTarget.
type PointsTarget uint8

const (
	TargetBalance PointsTarget = iota
	TargetLeaderboard
	TargetLevel
)

var targetNames = [...]string{"balance", "leaderboard", "level"}

// String returns "balance", "leaderboard" or "level".
func (t PointsTarget) String() string {
	if int(t) < len(targetNames) {
		return targetNames[t]
	}
	return "PointsTarget(" + strconv.Itoa(int(t)) + ")"
}

// Rounding is a reward's rounding of its result.
type Rounding struct {
	Mode     num.Mode // the zero Mode is num.Nearest, the default
	Decimals int32    // 0..maxDecimals; ignored when Default
	// Default rounds to the currency's minor units for amounts (2 for EUR, 0
	// for JPY) and to 0 decimals for points, gems and diamonds.
	Default bool
}

// maxDecimals bounds Rounding.Decimals, far above any currency's needs.
const maxDecimals = 100

// String returns "nearest to 2 decimals" or "nearest to default decimals".
func (r Rounding) String() string {
	if r.Default {
		return r.Mode.String() + " to default decimals"
	}
	return r.Mode.String() + " to " + strconv.Itoa(int(r.Decimals)) + " decimals"
}

// Reward is one compiled reward. The lowerer sets every exported field.
type Reward struct {
	Name   string
	Result ResultKind
	Target PointsTarget // ResultPoints only
	Code   []Instr      // every path ends in give, skip or no_branch
	Spans  []lang.Span  // len(Spans) == len(Code): the source of each instruction
	File   string       // the source file, for messages
	Aggs   []Aggregation
	Window window.Spec // Kind window.All when the reward declares none
	Round  Rounding
	// Cap and Minimum index Program.PerCurrency, or are -1 for none. For
	// points, gems and diamonds the table has one entry with currency 0.
	Cap, Minimum int32
	Manual       bool         // approval manual: the outcome asks to hold the reward
	Locals       []LocalInfo  // one per local slot (the lets)
	Branches     []BranchInfo // mark<b> records Branches[b]
	// MaxStack is the lowerer's estimate of the deepest the stack gets, from
	// [Instr.StackEffect]; 0 is fine. The machine sizes its stack once per
	// reward from the larger of MaxStack and the exact depth that
	// [Program.Validate] computes, so an estimate that misses filter code
	// (which runs on top of its aggregate instruction's stack) does no harm.
	MaxStack int

	prog *Program // set by Validate: the program the reward belongs to
	need int      // set by Validate: the stack depth the code really needs
	win  int      // set by Validate: the id of the window among the program's distinct windows; -1 for none
}

// LocalInfo names a local slot for traces and disassembly.
type LocalInfo struct {
	Name string
	Span lang.Span // the let statement
}

// BranchInfo describes a branch for traces and coverage: its label, as in
// `above 500 EUR`, `else`, `check deposits > 5`, `check deposits > 5: false`
// or `if vip: then`.
type BranchInfo struct {
	Label string
	Span  lang.Span
}

// AggOp is an aggregation over transactions. The values are those of
// lang.AggOp, in the same order.
type AggOp uint8

const (
	AggSum   AggOp = iota // sum of the column; 0 when nothing matches
	AggCount              // number of matching rows; 0 when nothing matches
	AggAvg                // sum / count (division rule of OpDiv)
	AggMin                // smallest value
	AggMax                // largest value
	AggFirst              // value of the earliest row (ties: input order)
	AggLast               // value of the latest row (ties: input order)
)

var aggNames = [...]string{"sum", "count", "avg", "min", "max", "first", "last"}

// String returns "sum", "count", "avg", "min", "max", "first" or "last".
func (o AggOp) String() string {
	if int(o) < len(aggNames) {
		return aggNames[o]
	}
	return "AggOp(" + strconv.Itoa(int(o)) + ")"
}

// Aggregation describes one aggregation of a reward: the rows of one kind in
// the reward's window that pass Terms and Filter, reduced by Op over column
// Attr. Avg, Min, Max, First and Last of no rows end the run Skipped with
// reason "no-matching-transactions".
type Aggregation struct {
	Op   AggOp
	Kind int // index in Program.Kinds
	Attr int // column; -1 for count. Sum and Avg need a number or money column.
	// Terms are a conjunction of simple conditions, each column op operand,
	// evaluated in tight typed loops.
	Terms []Term
	// Filter is -1, or the pc in the reward's Code of filter code that ends
	// in filter_end, for a where clause that is not a conjunction of simple
	// terms. It runs for each row that passes Terms, with the row as the
	// current row of load_attr. Filter code reads locals, properties,
	// constants and now; it may not aggregate, store, mark, give or skip, and
	// its jumps go forward. Row-independent parts of a where clause (such as
	// an aggregation inside it) are computed into locals beforehand.
	Filter int32
	Span   lang.Span
}

// Term is one simple filter condition: column Col compared with an operand.
type Term struct {
	Col  int
	Cond Cond
	// Const indexes Program.Consts for Eq..Ge, Program.Lists for In and
	// NotIn. It is ignored when Local >= 0.
	Const int32
	// Local is -1, or the local slot holding the operand when it is not a
	// constant (a per-currency amount, another aggregation). Only with
	// Eq..Ge.
	Local int32
	// Prop reports that the operand is the property Props[Const] (a player
	// property or a conversion's attribute, fixed for the whole run), with
	// Eq..Ge and Local -1. When the input lacks it, a row that reaches the
	// term traps with missing-property, as load_prop would in filter code.
	Prop bool
}

// Reward returns the reward with the given name, or nil.
func (p *Program) Reward(name string) *Reward {
	for _, r := range p.Rewards {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// perCurrency returns the amount for currency c in table k.
func (p *Program) perCurrency(k int32, c currency.Code) (num.Dec, bool) {
	for _, e := range p.PerCurrency[k] {
		if e.Cur == c {
			return e.N, true
		}
	}
	return num.Dec{}, false
}

// formatTable writes table k as the source writes it: 200 EUR | 220 USD.
func (p *Program) formatTable(k int32) string {
	if k < 0 || int(k) >= len(p.PerCurrency) {
		return "table#" + strconv.Itoa(int(k))
	}
	var b []byte
	for i, e := range p.PerCurrency[k] {
		if i > 0 {
			b = append(b, " | "...)
		}
		b = e.N.Append(b)
		if e.Cur != 0 {
			b = append(b, ' ')
			b = append(b, e.Cur.String()...)
		}
	}
	if len(b) == 0 {
		return "(empty)"
	}
	return string(b)
}

// formatConst returns v as a program constant: strings quoted, templates by
// name, per-currency tables spelled out. Ids that are out of range print as
// ids.
func (p *Program) formatConst(v Value) string {
	switch v.K {
	case KString:
		if v.I >= 0 && v.I < int64(len(p.Strings)) {
			return strconv.Quote(p.Strings[v.I])
		}
	case KTemplate:
		if v.I >= 0 && v.I < int64(len(p.TemplateNames)) {
			return p.TemplateNames[v.I]
		}
		if v.I >= 0 && v.I < int64(len(p.Templates)) {
			return strconv.Quote(p.Templates[v.I])
		}
	case KPerCurrency:
		if v.I >= 0 && v.I < int64(len(p.PerCurrency)) {
			return p.formatTable(int32(v.I))
		}
	}
	return v.String()
}
