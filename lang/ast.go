package lang

import (
	"time"

	"github.com/promoc/promoc/lang/limits"
)

// Node is implemented by every syntax tree node.
type Node interface {
	Span() Span
}

// Loc is embedded in every node and gives it its Span method. (A node cannot
// embed Span itself: the embedded field would hide the method.)
type Loc struct {
	Start, End Pos // End is exclusive
}

// Span returns the node's source range.
func (l Loc) Span() Span { return Span{Start: l.Start, End: l.End} }

// SetSpan sets the node's source range; used by the parser.
func (l *Loc) SetSpan(s Span) { l.Start, l.End = s.Start, s.End }

// LocOf returns a Loc covering s.
func LocOf(s Span) Loc { return Loc{Start: s.Start, End: s.End} }

// Decl is a top-level declaration. Sealed.
type Decl interface {
	Node
	declNode()
}

// Setting is one configuration line of a reward (window, round, cap, ...). Sealed.
type Setting interface {
	Node
	settingNode()
}

// Stmt is a statement of a reward's formula. Sealed.
type Stmt interface {
	Node
	stmtNode()
}

// Expr is an expression. Sealed.
type Expr interface {
	Node
	exprNode()
}

// File is one parsed .promo file. After a syntax error it holds the
// declarations parsed before the error (for outlines).
type File struct {
	Loc
	Name     string // as given to Parse
	Decls    []Decl
	Comments []*Comment // every comment, in source order
	Tokens   int        // the tokens and comments read (not the end of the file), for limits.Tokens
}

// Comment is a `//` comment, Text including the slashes.
type Comment struct {
	Loc
	Text string
}

// Ident is a name, declaring or referring.
type Ident struct {
	Loc
	Name string
}

// ---- declarations

// KindDecl declares a transaction kind and its attributes:
//
//	kind bet { amount: money  game: string }
type KindDecl struct {
	Loc
	Name   *Ident
	Fields []*Field
}

// PlayerDecl declares the typed player properties:
//
//	player { vip_level: number default 0 }
//
// Several player blocks merge into one set of properties.
type PlayerDecl struct {
	Loc
	Keyword Span // the `player` keyword
	Fields  []*Field
}

// Field is an attribute of a kind or a player property.
type Field struct {
	Loc
	Name    *Ident
	Type    *TypeName
	Default Expr // nil when none
}

// TypeName is a type in a schema: money, number, count, percent, bool,
// string, time or duration.
type TypeName struct {
	Loc
	Name string
}

// CurrenciesDecl declares the currencies a rule set serves, in its schema:
//
//	currencies EUR, USD, JPY
//
// Several declarations add up to one set.
type CurrenciesDecl struct {
	Loc
	Codes []*Ident // len > 0; as written, checked by the compiler
}

// TemplateDecl declares a bonus template: template spins "10 Free Spins".
type TemplateDecl struct {
	Loc
	Name  *Ident
	Title *StringLit
}

// ConstDecl declares a named constant: const max_bonus = 200 EUR | 220 USD.
type ConstDecl struct {
	Loc
	Name  *Ident
	Value Expr
}

// RewardDecl declares a reward: its result type, settings and formula.
type RewardDecl struct {
	Loc
	Name     *Ident
	Result   *ResultType
	Settings []Setting // in source order
	Body     []Stmt    // in source order
	// Payout is set when the reward is a payout (ast_payout.go).
	Payout *PayoutClause
}

// ResultKind is what a reward produces.
type ResultKind uint8

const (
	ResultAmount ResultKind = iota
	ResultTemplate
	ResultPoints
	ResultGems
	ResultDiamonds
)

var resultNames = [...]string{"amount", "template", "points", "gems", "diamonds"}

func (k ResultKind) String() string { return resultNames[k] }

// PointsTarget is where points go.
type PointsTarget uint8

const (
	ToBalance PointsTarget = iota
	ToLeaderboard
	ToLevel
)

var targetNames = [...]string{"balance", "leaderboard", "level"}

func (t PointsTarget) String() string { return targetNames[t] }

// ResultType is the `: amount` / `: points to leaderboard` part of a reward.
type ResultType struct {
	Loc
	Kind   ResultKind
	Target PointsTarget // ResultPoints only; default ToBalance
}

// ---- settings

// WindowSetting: window last 7 days.
type WindowSetting struct {
	Loc
	Window *Window
}

// WindowKind is the kind of a transaction window.
type WindowKind uint8

const (
	WindowFixed                WindowKind = iota // from 2026-11-01 to 2026-11-08
	WindowTimeBack                               // last 7 days
	WindowLastFullDay                            // last full day
	WindowLastFullWeek                           // last full week
	WindowLastWeekend                            // last weekend
	WindowLastFullMonth                          // last full month
	WindowFirstToLast                            // between first transaction and last transaction
	WindowQualificationToLast                    // between qualification and last transaction
	WindowFirstToFixed                           // from first transaction to 2026-12-01
	WindowQualificationToFixed                   // from qualification to 2026-12-01
	WindowSinceEntrance                          // since entrance
)

// Window is a transaction window. Which fields are set depends on Kind.
type Window struct {
	Loc
	Kind   WindowKind
	Length *DurationLit // WindowTimeBack
	From   *DateLit     // WindowFixed
	To     *DateLit     // WindowFixed, WindowFirstToFixed, WindowQualificationToFixed
	Zone   *Zone        // nil: UTC
}

// Zone is `in "Europe/Malta"` or `in player zone`.
type Zone struct {
	Loc
	Name   *StringLit // nil when Player
	Player bool
}

// RoundMode is a rounding mode of the language.
type RoundMode uint8

const (
	RoundNearest RoundMode = iota // half away from zero
	RoundDown                     // toward zero
	RoundUp                       // away from zero
)

var roundNames = [...]string{"nearest", "down", "up"}

func (m RoundMode) String() string { return roundNames[m] }

// RoundSetting: round down to 2 decimals.
type RoundSetting struct {
	Loc
	Mode     RoundMode
	Decimals *NumberLit // a non-negative integer
}

// CapSetting: cap 200 EUR | 220 USD.
type CapSetting struct {
	Loc
	Value Expr
}

// MinimumSetting: minimum 5 EUR.
type MinimumSetting struct {
	Loc
	Value Expr
}

// ApprovalSetting: approval manual, or approval manual within 7 days.
type ApprovalSetting struct {
	Loc
	Manual bool
	// Within is how long a manual result may wait before it is rejected
	// with reason timed-out; nil: forever. Its N is negative when written
	// with a minus sign (the checker refuses it).
	Within *DurationLit
}

// ---- statements

// LetStmt binds a name for the rest of its block: let bets = sum(bet.amount).
type LetStmt struct {
	Loc
	Name  *Ident
	Value Expr
}

// GiveStmt ends the formula with a result: give 5% of net_loss.
type GiveStmt struct {
	Loc
	Value Expr
}

// SkipStmt ends the formula without a result: skip "too few deposits".
type SkipStmt struct {
	Loc
	Reason *StringLit
}

// CheckStmt runs Body when Cond holds. Body must end with give or skip, so
// consecutive checks behave as "first match wins".
type CheckStmt struct {
	Loc
	Cond Expr
	Body *Block
}

// Block is a braced list of statements.
type Block struct {
	Loc
	Stmts []Stmt
}

// TierStmt compares Subject against thresholds; the first matching branch
// runs. A tier with no matching branch and no else falls through.
type TierStmt struct {
	Loc
	Subject  Expr
	Branches []*TierBranch
}

// TierOp is the comparison of a tier branch.
type TierOp uint8

const (
	TierAbove   TierOp = iota // >
	TierAtLeast               // >=
	TierBelow                 // <
	TierAtMost                // <=
	TierElse
)

var tierNames = [...]string{"above", "at least", "below", "at most", "else"}

func (o TierOp) String() string { return tierNames[o] }

// TierBranch is `above 500 EUR: give x` or `else { ... }`.
type TierBranch struct {
	Loc
	Op    TierOp
	Bound Expr // nil for TierElse
	Body  *Block
}

// ---- expressions

// NumberLit is a plain decimal: 12, 0.5.
type NumberLit struct {
	Loc
	Text string // digits as written
}

// PercentLit is 5% (exactly 0.05).
type PercentLit struct {
	Loc
	Text string // "5" for 5%
}

// MoneyLit is 10 EUR.
type MoneyLit struct {
	Loc
	Amount   string // "10"
	Currency string // "EUR"
}

// PerCurrencyLit is 200 EUR | 220 USD | 25000 JPY: one value per currency,
// selected by the player's currency at run time.
type PerCurrencyLit struct {
	Loc
	Values []*MoneyLit // len >= 2
}

// DurationUnit is the unit of a duration literal.
type DurationUnit uint8

const (
	Minutes DurationUnit = iota
	Hours
	Days
	Weeks
)

var unitNames = [...]string{"minutes", "hours", "days", "weeks"}

func (u DurationUnit) String() string { return unitNames[u] }

// DurationLit is 7 days.
type DurationLit struct {
	Loc
	N    int64
	Unit DurationUnit
	// Singular is set when the unit is written in the singular (1 hour,
	// 1 day), so that a label rendered from the tree reads as written.
	Singular bool
}

// DateLit is 2026-11-01 or 2026-11-01 10:00 (wall clock, zone from context).
type DateLit struct {
	Loc
	Text                             string
	Year, Month, Day, Hour, Min, Sec int
}

// Time returns the date's wall clock read in UTC.
func (d *DateLit) Time() time.Time {
	return time.Date(d.Year, time.Month(d.Month), d.Day, d.Hour, d.Min, d.Sec, 0, time.UTC)
}

// InRange reports whether the date, read in UTC, lies in [limits.MinTime,
// limits.MaxTime), where every stage holds it exactly. Parse reports a date
// outside.
func (d *DateLit) InRange() bool {
	t := d.Time()
	return !t.Before(limits.MinTime) && t.Before(limits.MaxTime)
}

// StringLit is "Gold Quest"; Value is unquoted.
type StringLit struct {
	Loc
	Value string
}

// BoolLit is true or false.
type BoolLit struct {
	Loc
	Value bool
}

// ListLit is ["roulette", "live"], the right side of `in`.
type ListLit struct {
	Loc
	Elems []Expr
}

// NowExpr is `now`, the evaluation time.
type NowExpr struct {
	Loc
}

// SelectorExpr is kind.attr inside a where filter, e.g. bet.game.
type SelectorExpr struct {
	Loc
	X   *Ident
	Sel *Ident
}

// PlayerExpr is player.prop, with an optional default for an absent value.
type PlayerExpr struct {
	Loc
	Prop    *Ident
	Default Expr // nil when none
}

// ParenExpr is (X), kept for the formatter.
type ParenExpr struct {
	Loc
	X Expr
}

// UnaryOp is a unary operator.
type UnaryOp uint8

const (
	OpNeg UnaryOp = iota // -x
	OpNot                // not x
)

// UnaryExpr is -x or not x.
type UnaryExpr struct {
	Loc
	Op UnaryOp
	X  Expr
}

// PercentExpr is x%, a number read as a percentage: pct% is exactly
// pct / 100, a Percent. It binds tighter than any operator, prefix minus
// included: -pct% is -(pct%). (5% is a [PercentLit].)
type PercentExpr struct {
	Loc
	X Expr
}

// BinaryOp is a binary operator.
type BinaryOp uint8

const (
	OpAdd   BinaryOp = iota // +
	OpSub                   // -
	OpMul                   // *
	OpDiv                   // /
	OpOf                    // 5% of x (percent times x)
	OpEq                    // ==
	OpNe                    // !=
	OpLt                    // <
	OpLe                    // <=
	OpGt                    // >
	OpGe                    // >=
	OpIn                    // x in [a, b]
	OpNotIn                 // x not in [a, b]
	OpAnd                   // and
	OpOr                    // or
)

var binaryNames = [...]string{"+", "-", "*", "/", "of", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or"}

func (o BinaryOp) String() string { return binaryNames[o] }

// BinaryExpr is X Op Y.
type BinaryExpr struct {
	Loc
	Op BinaryOp
	X  Expr
	Y  Expr
}

// CondExpr is if Cond then Then else Else.
type CondExpr struct {
	Loc
	Cond, Then, Else Expr
}

// CallExpr calls a builtin: min(a, b), clamp(x, lo, hi), abs(x).
type CallExpr struct {
	Loc
	Fun  *Ident
	Args []Expr
}

// AggOp is an aggregation over transactions.
type AggOp uint8

const (
	AggSum AggOp = iota
	AggCount
	AggAvg
	AggMin
	AggMax
	AggFirst
	AggLast
)

var aggNames = [...]string{"sum", "count", "avg", "min", "max", "first", "last"}

func (o AggOp) String() string { return aggNames[o] }

// AggregateExpr aggregates an attribute over the transactions of one kind in
// the reward's window: sum(bet.amount where game == "Gold Quest"),
// count(deposit). Inside Where, bare names are the kind's attributes.
type AggregateExpr struct {
	Loc
	Op    AggOp
	Kind  *Ident
	Attr  *Ident // nil for count(kind)
	Where Expr   // nil when none
}

func (*KindDecl) declNode()       {}
func (*PlayerDecl) declNode()     {}
func (*CurrenciesDecl) declNode() {}
func (*TemplateDecl) declNode()   {}
func (*ConstDecl) declNode()      {}
func (*RewardDecl) declNode()     {}

func (*WindowSetting) settingNode()   {}
func (*RoundSetting) settingNode()    {}
func (*CapSetting) settingNode()      {}
func (*MinimumSetting) settingNode()  {}
func (*ApprovalSetting) settingNode() {}

func (*LetStmt) stmtNode()   {}
func (*GiveStmt) stmtNode()  {}
func (*SkipStmt) stmtNode()  {}
func (*CheckStmt) stmtNode() {}
func (*TierStmt) stmtNode()  {}

func (*Ident) exprNode()          {}
func (*NumberLit) exprNode()      {}
func (*PercentLit) exprNode()     {}
func (*MoneyLit) exprNode()       {}
func (*PerCurrencyLit) exprNode() {}
func (*DurationLit) exprNode()    {}
func (*DateLit) exprNode()        {}
func (*StringLit) exprNode()      {}
func (*BoolLit) exprNode()        {}
func (*ListLit) exprNode()        {}
func (*NowExpr) exprNode()        {}
func (*SelectorExpr) exprNode()   {}
func (*PlayerExpr) exprNode()     {}
func (*ParenExpr) exprNode()      {}
func (*UnaryExpr) exprNode()      {}
func (*PercentExpr) exprNode()    {}
func (*BinaryExpr) exprNode()     {}
func (*CondExpr) exprNode()       {}
func (*CallExpr) exprNode()       {}
func (*AggregateExpr) exprNode()  {}

// Compile-time checks that every node type implements its interface.
var (
	_ Decl    = (*KindDecl)(nil)
	_ Setting = (*WindowSetting)(nil)
	_ Stmt    = (*TierStmt)(nil)
	_ Expr    = (*AggregateExpr)(nil)
	_ Node    = (*File)(nil)
	_ Node    = (*Field)(nil)
	_ Node    = (*Block)(nil)
	_ Node    = (*TierBranch)(nil)
	_ Node    = (*Window)(nil)
	_ Node    = (*Zone)(nil)
	_ Node    = (*ResultType)(nil)
	_ Node    = (*TypeName)(nil)
	_ Node    = (*Comment)(nil)
)
