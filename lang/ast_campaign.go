package lang

import "strings"

// This file holds the syntax tree of automation rules and campaigns
// (spec/spec.md, section 16), which runtime/engine runs.

// RuleKind tells an automation rule from a campaign.
type RuleKind uint8

const (
	RuleAutomation RuleKind = iota // automation NAME { ... }
	RuleCampaign                   // campaign NAME { ... }
)

var ruleKindNames = [...]string{"automation", "campaign"}

func (k RuleKind) String() string { return ruleKindNames[k] }

// RuleDecl declares an automation rule or a campaign:
//
//	automation first_deposit_bonus {
//		trigger on first deposit where amount >= 20 EUR | 22 USD
//		budget 10000 EUR | 11000 USD
//		give welcome_match
//	}
//
// The clauses are kept in source order.
type RuleDecl struct {
	Loc
	Kind    RuleKind
	Keyword Span // automation or campaign
	Name    *Ident
	Clauses []RuleClause
}

// RuleClause is one clause of an automation rule or a campaign. Sealed.
type RuleClause interface {
	Node
	ruleClauseNode()
}

// TriggerClause: trigger on deposit where amount >= 20 EUR.
type TriggerClause struct {
	Loc
	Event *Event
}

// EntranceClause: entrance schedule every Friday 18:00 in player zone (campaigns only).
type EntranceClause struct {
	Loc
	Event *Event
}

// EventKind is the sort of event a trigger or an entrance waits for.
type EventKind uint8

const (
	EventOn       EventKind = iota // on deposit [where COND]
	EventFirst                     // on first deposit [where COND]
	EventEvery                     // every 100 bet [where COND]
	EventInactive                  // inactive 14 days [since login]
	EventSchedule                  // schedule "0 0 * * 1" | schedule every Monday 00:00, [in ZONE]
)

var eventKindNames = [...]string{"on", "on first", "every", "inactive", "schedule"}

func (k EventKind) String() string { return eventKindNames[k] }

// Event is what fires a trigger or an entrance. Which fields are set
// depends on Kind.
type Event struct {
	Loc
	Kind     EventKind
	Type     *Ident       // the transaction kind: EventOn, EventFirst, EventEvery
	Where    Expr         // nil when none: EventOn, EventFirst, EventEvery
	Count    *NumberLit   // EventEvery: a whole number
	Length   *DurationLit // EventInactive
	Since    *Ident       // EventInactive: the kind whose latest event counts; nil for any
	Schedule *Schedule    // EventSchedule
}

// Schedule is a cron expression or its words form, on the wall clock of a
// zone. The cron text is kept as written; it is read by the engine's
// scheduler (vm/schedule), not by the parser.
type Schedule struct {
	Loc
	Cron *StringLit // "0 0 * * 1"; nil for the words form
	Day  *Ident     // the words form: day, weekday, or Monday ... Sunday
	At   *ClockTime // the words form
	Zone *Zone      // nil: UTC
}

// ClockTime is a wall-clock time, 09:30.
type ClockTime struct {
	Loc
	Hour, Minute int
}

// SegmentClause: segment player.vip_level >= 1.
type SegmentClause struct {
	Loc
	Cond Expr
}

// QualificationClause: qualification deposit where amount >= 100 EUR { at most 3 rewards }.
type QualificationClause struct {
	Loc
	Type  *Ident
	Where Expr       // nil when none
	Limit *QualLimit // nil when none
	Body  Span       // the braces, when written; zero otherwise
}

// QualLimit is the execution limit of a qualification: at most 3 rewards.
type QualLimit struct {
	Loc
	Count *NumberLit
	Unit  string // rewards or reward, as written
}

// LimitClause: at most 5 rewards per 7 days, at most 2 messages per 1 day.
type LimitClause struct {
	Loc
	Count *NumberLit
	Unit  string // rewards, reward, messages or message, as written
	Per   *DurationLit
}

// Messages reports whether the clause limits messages rather than rewards.
func (l *LimitClause) Messages() bool { return strings.HasPrefix(l.Unit, "message") }

// BudgetClause: budget 10000 EUR | 11000 USD.
type BudgetClause struct {
	Loc
	Value Expr
}

// GiveRewardClause: give welcome_match, the reward a rule gives by name.
type GiveRewardClause struct {
	Loc
	Reward *Ident
}

// GiveOfferClause: give offer spa_day, the offer a rule gives by name
// (see ast_offer.go).
type GiveOfferClause struct {
	Loc
	Offer *Ident
}

// SplitClause: split seed "autumn" { variant a 50%: give x  control 50% }.
type SplitClause struct {
	Loc
	Seed *StringLit // nil when none
	Arms []*SplitArm
}

// SplitArm is a variant or the control group of a split.
type SplitArm struct {
	Loc
	Control bool
	Name    *Ident      // the variant's name; nil for the control group
	Share   *PercentLit // the group's percentage
	Reward  *Ident      // the reward a variant gives; nil for the control group and a variant that gives an offer
	Offer   *Ident      // the offer a variant gives (give offer NAME); nil otherwise
}

// SendClause: on issued send "bonus_issued" with amount, currency.
type SendClause struct {
	Loc
	Outcome string // calculated, issued or skipped
	Message *StringLit
	With    []*Ident
}

func (*RuleDecl) declNode() {}

func (*TriggerClause) ruleClauseNode()       {}
func (*EntranceClause) ruleClauseNode()      {}
func (*SegmentClause) ruleClauseNode()       {}
func (*QualificationClause) ruleClauseNode() {}
func (*LimitClause) ruleClauseNode()         {}
func (*BudgetClause) ruleClauseNode()        {}
func (*ApprovalSetting) ruleClauseNode()     {}
func (*GiveRewardClause) ruleClauseNode()    {}
func (*GiveOfferClause) ruleClauseNode()     {}
func (*SplitClause) ruleClauseNode()         {}
func (*SendClause) ruleClauseNode()          {}
