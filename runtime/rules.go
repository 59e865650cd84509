package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm"
	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/schedule"
)

// This file describes the automation rules and campaigns of a program
// (spec/spec.md, section 16) as plain descriptors for the campaign engine,
// and evaluates their conditions, which the compiler lowers to hidden
// rewards (vm.Program.Conds).

// RuleEventKind is the sort of event a trigger or an entrance waits for.
type RuleEventKind uint8

const (
	EventOn       RuleEventKind = iota // on KIND [where COND]
	EventFirst                         // on first KIND [where COND]
	EventEvery                         // every N KIND [where COND]
	EventInactive                      // inactive DURATION [since KIND]
	EventSchedule                      // schedule "CRON" | schedule every DAY hh:mm, [in ZONE]
)

var ruleEventNames = [...]string{"on", "first", "every", "inactive", "schedule"}

// String returns "on", "first", "every", "inactive" or "schedule".
func (k RuleEventKind) String() string {
	if int(k) < len(ruleEventNames) {
		return ruleEventNames[k]
	}
	return "RuleEventKind(" + strconv.Itoa(int(k)) + ")"
}

// RuleEvent is what fires a trigger or an entrance. Which fields are set
// depends on Kind.
type RuleEvent struct {
	Kind   RuleEventKind
	Type   string        // the kind name: EventOn, EventFirst, EventEvery
	Count  int64         // EventEvery: N, at least 1
	Length time.Duration // EventInactive: more than Length fires
	Since  string        // EventInactive: the kind whose latest event counts; "" for any kind
	// Schedule is the parsed schedule of EventSchedule; the words form
	// fires as its cron expression does.
	Schedule   *schedule.Schedule
	Zone       string // EventSchedule: a fixed IANA zone; "" is UTC (unless PlayerZone)
	PlayerZone bool   // EventSchedule: on the wall clock of each player's zone
}

// Qualification is the qualification of a rule: an event of kind Type for
// which the qualification's condition holds ([CondQualification]).
type Qualification struct {
	Type  string
	Limit int64 // at most Limit rewards per qualification; 0: no limit
}

// RateLimit is at most Count rewards (or messages) per rolling period Per.
type RateLimit struct {
	Count int64
	Per   time.Duration
	// Days: Per is written in days or weeks, and is counted in days on the
	// player's wall clock (spec/semantics.md, The engine); a period written
	// in hours or minutes is elapsed time, 24 hours as well.
	Days bool
}

// SplitArm is a variant or the control group of a split.
type SplitArm struct {
	Name    string // the variant's name; "" for the control group
	Control bool
	Share   int    // in hundredths of a percent: 45% is 4500
	Reward  string // the reward the variant gives; "" for the control group and a variant that gives an offer
	Offer   string // the offer the variant gives (give offer NAME); "" otherwise
}

// Split is the A/B split of a campaign; its arms' shares add up to 10000.
type Split struct {
	Seed string // "" when none: the campaign's name is used
	Arms []SplitArm
}

// splitBuckets is the number of groups a player is hashed into: one per
// hundredth of a percent.
const splitBuckets = 10000

// Arm returns the group of a player in the split of campaign: the first 8
// bytes of SHA-256(the seed, or the campaign's name when there is no seed,
// + "\x00" + player), as a big-endian integer, modulo 10000, against the
// cumulative shares of the arms in the order written. It is nil only for
// a split whose shares do not add up to 100%, which the compiler never
// makes.
func (s *Split) Arm(campaign, player string) *SplitArm {
	if s == nil {
		return nil
	}
	key := s.Seed
	if key == "" {
		key = campaign
	}
	var buf [128]byte // enough for most keys and ids, without allocating
	b := append(append(append(buf[:0], key...), 0), player...)
	sum := sha256.Sum256(b)
	bucket := int(binary.BigEndian.Uint64(sum[:8]) % splitBuckets)
	upto := 0
	for i := range s.Arms {
		upto += s.Arms[i].Share
		if bucket < upto {
			return &s.Arms[i]
		}
	}
	return nil
}

// Message is a message a rule asks the host to send: on issued send
// "bonus_issued" with amount, currency.
type Message struct {
	On   string // calculated, issued or skipped
	Name string
	With []string // amount, currency, points, template, reward, reason, variant
}

// BudgetLimit is the budget of a rule in one currency.
type BudgetLimit struct {
	Currency string // "EUR"; "" for a budget of points, gems, diamonds or templates
	Limit    decimal.Decimal
}

// Rule describes an automation rule or a campaign.
type Rule struct {
	Name     string
	Campaign bool
	File     string
	Pos      lang.Pos // of the rule's name
	Trigger  RuleEvent
	Entrance *RuleEvent // nil: none
	// HasSegment says the rule has a segment, [CondSegment].
	HasSegment    bool
	Qualification *Qualification // nil: none
	RewardLimit   *RateLimit     // at most K rewards per D; nil: none
	MessageLimit  *RateLimit     // at most K messages per D; nil: none
	Budget        []BudgetLimit  // one per currency, in the order written; empty: none
	Approval      string         // "" (each reward's own setting), "auto" or "manual"
	// ApprovalWithin is how long a manual result of each reward the rule
	// gives may wait for approval before it is rejected with reason
	// timed-out: the rule's approval manual within D, or without an
	// approval clause the reward's own. A reward without one waits until
	// an operator decides.
	ApprovalWithin map[string]time.Duration
	Give           string // the reward given; "" when Split or Offer
	Offer          string // the offer given (give offer NAME, offers.go); "" when Give or Split
	Split          *Split
	Messages       []Message

	conds [condCount]*vm.Reward // the hidden rewards of the conditions; nil: none
}

// Cond names one condition of a rule.
type Cond uint8

const (
	// CondTrigger: the event is of the trigger's kind and its where holds
	// (on, on first, every). Inactivity and schedules have none.
	CondTrigger Cond = iota
	// CondEntrance: the same for a campaign's entrance.
	CondEntrance
	// CondSegment: the segment holds for the player.
	CondSegment
	// CondQualification: the event is of the qualification's kind and its
	// where holds.
	CondQualification
	condCount
)

var condNames = [...]string{compiler.CondTrigger, compiler.CondEntrance, compiler.CondSegment, compiler.CondQualification}

// String returns "trigger", "entrance", "segment" or "qualification".
func (c Cond) String() string {
	if c < condCount {
		return condNames[c]
	}
	return "Cond(" + strconv.Itoa(int(c)) + ")"
}

// CondError is an evaluation of a condition that failed: the reason is the
// one an evaluation of a reward would give (missing-property,
// currency-mismatch, invalid-input, ...).
type CondError struct {
	Rule   string
	Cond   Cond
	Reason string
	Detail string
	// File and Pos are where in the condition the evaluation failed; Pos
	// is zero for an invalid input.
	File string
	Pos  lang.Pos
}

// Error returns "rules.promo:12:10: rule deposit_bonus: segment:
// missing-property: ...", without the position for an invalid input.
func (e *CondError) Error() string {
	msg := "rule " + e.Rule + ": " + e.Cond.String() + ": " + e.Reason
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Pos.Line > 0 {
		msg = e.File + ":" + e.Pos.String() + ": " + msg
	}
	return msg
}

// Rules returns the automation rules and campaigns of the program, in
// source order (files in the order the program was compiled from).
func (p *Program) Rules() []*Rule {
	if p == nil {
		return nil
	}
	return p.rules
}

// Rule returns the rule or campaign of that name, or nil.
func (p *Program) Rule(name string) *Rule {
	if p == nil {
		return nil
	}
	return p.ruleByName[name]
}

// Holds evaluates condition c of a rule on a prepared input: the player and
// now, and for the trigger, the entrance and the qualification the one
// event, as the input's only transaction. It is true when the rule has no
// such condition. An evaluation that fails (a missing property, an invalid
// input, a currency mismatch) is false with a [*CondError]; an unknown rule
// or an input prepared for another program is an [*Error].
func (p *Program) Holds(ctx context.Context, rule string, c Cond, in *Prepared) (bool, error) {
	if p == nil || p.prog == nil {
		return false, errNoProgram
	}
	r := p.ruleByName[rule]
	switch {
	case r == nil:
		return false, &Error{Msg: fmt.Sprintf("unknown rule %q", rule)}
	case c >= condCount:
		return false, &Error{Msg: fmt.Sprintf("unknown condition %d", c)}
	case in == nil || in.prog != p:
		return false, &Error{Msg: "input prepared for another program"}
	}
	code := r.conds[c]
	if code == nil {
		return true, nil
	}
	if in.err != nil {
		reason := "invalid-input"
		if errors.Is(in.err, context.Canceled) || errors.Is(in.err, context.DeadlineExceeded) {
			reason = vm.ReasonCancelled
		}
		return false, &CondError{Rule: rule, Cond: c, Reason: reason, Detail: in.err.Error()}
	}
	m, _ := p.machines.Get().(*vm.Machine)
	if m == nil {
		m = vm.NewMachine()
	}
	var res vm.Result
	err := m.RunInto(ctx, &res, p.prog, code, in.data, vm.Options{MaxSteps: p.maxSteps})
	p.machines.Put(m)
	if err != nil {
		return false, &Error{Msg: err.Error()}
	}
	switch res.Outcome {
	case vm.Calculated:
		return true, nil
	case vm.Skipped:
		return false, nil
	}
	return false, &CondError{Rule: rule, Cond: c, Reason: res.Reason, Detail: res.Detail, File: code.File, Pos: res.Span.Start}
}

// buildRules makes the descriptors of the rules of info and finds the
// hidden rewards of their conditions in prog. A failure is a compiler bug.
func buildRules(info *compiler.Info, prog *vm.Program) ([]*Rule, map[string]*Rule, error) {
	conds := make(map[string]*vm.Reward, len(prog.Conds))
	for _, r := range prog.Conds {
		conds[r.Name] = r
	}
	var rules []*Rule
	byName := map[string]*Rule{}
	for _, ri := range info.Rules {
		r, err := describeRule(ri)
		if err != nil {
			return nil, nil, fmt.Errorf("internal error: rule %s: %w", ri.Decl.Name.Name, err)
		}
		for c := range condCount {
			r.conds[c] = conds[compiler.CondName(r.Name, c.String())]
		}
		rules = append(rules, r)
		byName[r.Name] = r
	}
	return rules, byName, nil
}

func describeRule(ri *compiler.RuleInfo) (*Rule, error) {
	d := ri.Decl
	r := &Rule{Name: d.Name.Name, Campaign: d.Kind == lang.RuleCampaign, File: ri.File, Pos: d.Name.Span().Start}
	var within time.Duration // the rule's approval manual within
	for _, cl := range d.Clauses {
		var err error
		switch cl := cl.(type) {
		case *lang.TriggerClause:
			r.Trigger, err = ruleEvent(cl.Event)
		case *lang.EntranceClause:
			var e RuleEvent
			e, err = ruleEvent(cl.Event)
			r.Entrance = &e
		case *lang.SegmentClause:
			r.HasSegment = true
		case *lang.QualificationClause:
			q := &Qualification{Type: cl.Type.Name}
			if cl.Limit != nil {
				q.Limit, err = count(cl.Limit.Count)
			}
			r.Qualification = q
		case *lang.LimitClause:
			l := &RateLimit{Per: duration(cl.Per), Days: cl.Per.Unit == lang.Days || cl.Per.Unit == lang.Weeks}
			l.Count, err = count(cl.Count)
			if cl.Messages() {
				r.MessageLimit = l
			} else {
				r.RewardLimit = l
			}
		case *lang.BudgetClause:
			r.Budget, err = budget(ri.Budget)
		case *lang.ApprovalSetting:
			r.Approval = "auto"
			if cl.Manual {
				r.Approval = "manual"
			}
			if cl.Manual && cl.Within != nil && cl.Within.N > 0 {
				within = duration(cl.Within)
			}
		case *lang.GiveRewardClause:
			r.Give = cl.Reward.Name
		case *lang.GiveOfferClause:
			r.Offer = cl.Offer.Name
		case *lang.SplitClause:
			r.Split, err = split(cl)
		case *lang.SendClause:
			m := Message{On: cl.Outcome, Name: cl.Message.Value}
			for _, id := range cl.With {
				m.With = append(m.With, id.Name)
			}
			r.Messages = append(r.Messages, m)
		}
		if err != nil {
			return nil, err
		}
	}
	for _, g := range ri.Gives {
		w := g.Within
		if r.Approval != "" {
			w = within // the rule's approval overrides the reward's
		}
		if w > 0 {
			if r.ApprovalWithin == nil {
				r.ApprovalWithin = map[string]time.Duration{}
			}
			r.ApprovalWithin[g.Symbol.Name] = w
		}
	}
	return r, nil
}

func ruleEvent(e *lang.Event) (RuleEvent, error) {
	var out RuleEvent
	var err error
	switch e.Kind {
	case lang.EventOn:
		out = RuleEvent{Kind: EventOn, Type: e.Type.Name}
	case lang.EventFirst:
		out = RuleEvent{Kind: EventFirst, Type: e.Type.Name}
	case lang.EventEvery:
		out = RuleEvent{Kind: EventEvery, Type: e.Type.Name}
		out.Count, err = count(e.Count)
	case lang.EventInactive:
		out = RuleEvent{Kind: EventInactive, Length: duration(e.Length)}
		if e.Since != nil {
			out.Since = e.Since.Name
		}
	case lang.EventSchedule:
		out = RuleEvent{Kind: EventSchedule}
		var s schedule.Schedule
		s, err = ruleSchedule(e.Schedule)
		out.Schedule = &s
		if z := e.Schedule.Zone; z != nil {
			out.PlayerZone = z.Player
			if !z.Player {
				out.Zone = z.Name.Value
			}
		}
	default:
		err = fmt.Errorf("unknown event kind %d", e.Kind)
	}
	return out, err
}

// ruleSchedule parses the cron text of a schedule, or its words form,
// which fires as its cron expression (schedule.Words.Cron) does.
func ruleSchedule(s *lang.Schedule) (schedule.Schedule, error) {
	if s.Cron != nil {
		return schedule.Parse(s.Cron.Value)
	}
	if s.Day == nil || s.At == nil {
		return schedule.Schedule{}, errors.New("a schedule without cron text or words")
	}
	w, err := schedule.WordsAt(s.Day.Name, s.At.Hour, s.At.Minute)
	if err != nil {
		return schedule.Schedule{}, err
	}
	return w.Schedule()
}

// count reads a whole number of at least 1, as the checker left it.
func count(n *lang.NumberLit) (int64, error) {
	v, err := strconv.ParseInt(n.Text, 10, 64)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("count %q", n.Text)
	}
	return v, nil
}

// durationUnits are the lengths of lang's duration units.
var durationUnits = [...]time.Duration{lang.Minutes: time.Minute, lang.Hours: time.Hour, lang.Days: 24 * time.Hour, lang.Weeks: 7 * 24 * time.Hour}

// duration converts a duration literal, which the checker keeps within
// time.Duration's range (and saturates, should it not).
func duration(d *lang.DurationLit) time.Duration {
	unit := time.Minute
	if int(d.Unit) < len(durationUnits) {
		unit = durationUnits[d.Unit]
	}
	if d.N > int64(maxDuration/unit) {
		return maxDuration
	}
	return time.Duration(d.N) * unit
}

const maxDuration = time.Duration(1<<63 - 1)

// budget converts the checked value of a budget: one limit per currency of
// a money budget, one without currency for a number.
func budget(v *compiler.Value) ([]BudgetLimit, error) {
	switch {
	case v == nil:
		return nil, errors.New("budget without a value")
	case len(v.PerCur) > 0:
		out := make([]BudgetLimit, len(v.PerCur))
		for i, p := range v.PerCur {
			out[i] = BudgetLimit{Currency: p.Cur, Limit: p.Amount.Decimal()}
		}
		return out, nil
	case v.Type.Kind == compiler.Money:
		return []BudgetLimit{{Currency: v.Type.Cur, Limit: v.Num.Decimal()}}, nil
	}
	return []BudgetLimit{{Limit: v.Num.Decimal()}}, nil
}

func split(s *lang.SplitClause) (*Split, error) {
	out := &Split{}
	if s.Seed != nil {
		out.Seed = s.Seed.Value
	}
	total := 0
	for _, a := range s.Arms {
		share, err := num.Parse(a.Share.Text)
		if err != nil {
			return nil, err
		}
		h, ok := share.Int64At(2)
		if !ok || h <= 0 || h > splitBuckets {
			return nil, fmt.Errorf("share %s%%", a.Share.Text)
		}
		arm := SplitArm{Control: a.Control, Share: int(h)}
		switch {
		case a.Control:
		case a.Offer != nil:
			arm.Name, arm.Offer = a.Name.Name, a.Offer.Name
		default:
			arm.Name, arm.Reward = a.Name.Name, a.Reward.Name
		}
		total += arm.Share
		out.Arms = append(out.Arms, arm)
	}
	if total != splitBuckets {
		return nil, fmt.Errorf("split shares add up to %d hundredths of a percent", total)
	}
	return out, nil
}
