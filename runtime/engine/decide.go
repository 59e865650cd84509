package engine

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/vm/window"
)

// This file decides: given a rule, a player's state and a trigger, the
// outcome and the new state. Nothing here reads the clock or writes the
// store; handle.go and advance.go write what it decides.

// firing is one trigger of one rule for one player.
type firing struct {
	rule    *runtime.Rule
	p       *player
	trig    Trigger
	hash    string
	anchors runtime.Anchors
}

// campaignMirror is what the engine knows of a campaign's status and
// budget during one call: it tells ahead whether the store will refuse a
// reward, so that what a limit or a budget refused does not count towards
// the rule's limits. The store decides; the mirror only predicts it, and is
// exact when one engine writes the campaign.
type campaignMirror struct {
	suspended bool
	left      map[string]decimal.Decimal // by currency; absent: no account
}

func (e *Engine) mirror(ctx context.Context, campaign string) (*campaignMirror, error) {
	if m := e.budgets[campaign]; m != nil {
		return m, nil
	}
	c, err := e.st.Campaign(ctx, campaign)
	if err != nil {
		return nil, err
	}
	bs, err := e.st.Budgets(ctx, campaign)
	if err != nil {
		return nil, err
	}
	m := &campaignMirror{suspended: c.Status == store.Suspended, left: map[string]decimal.Decimal{}}
	for _, b := range bs {
		m.left[b.Currency] = b.Left()
	}
	if e.budgets == nil {
		e.budgets = map[string]*campaignMirror{}
	}
	e.budgets[campaign] = m
	return m, nil
}

// take predicts the store's decision on an outcome that reserves amount:
// "" when it fits (and takes it), or the reason of the skip.
func (m *campaignMirror) take(amount decimal.Decimal, cur string) string {
	if m.suspended {
		return ReasonCampaignSuspended
	}
	left, ok := m.left[cur]
	if !ok || !amount.IsPositive() {
		return ""
	}
	if amount.GreaterThan(left) {
		m.suspended = true
		return ReasonBudgetExhausted
	}
	m.left[cur] = left.Sub(amount)
	return ""
}

// fire decides one firing: the checks of the rule in order (entrance,
// segment, qualification, split, rate limit), the reward's evaluation and
// the budget. It returns nil when the player is not a participant (a
// campaign with an entrance the player has not passed, or had not at the
// time of the firing).
func (e *Engine) fire(ctx context.Context, f *firing) (*Outcome, error) {
	r, p := f.rule, f.p
	st := p.rule(r.Name)
	at := f.trig.Time
	if r.Entrance != nil && !since(st.EnteredAt, at) {
		return nil, nil // not a participant, or not yet at the time of an event that came late
	}
	f.anchors.Qualification = st.QualifiedAt
	f.trig.QualSkip, f.trig.EnterSkip = 0, 0
	if !st.QualifiedAt.IsZero() {
		f.trig.QualSkip = st.QualSkip
	}
	if !st.EnteredAt.IsZero() {
		f.trig.EnterSkip = st.EnterSkip
	}
	f.anchors.Entrance = st.EnteredAt
	f.trig.Anchors = f.anchors
	o := e.outcome(f)
	skip := func(reason, detail string) (*Outcome, error) {
		o.Status, o.Reason, o.Detail = string(store.Skipped), reason, detail
		e.messages(o, r, st, e.loc(p))
		if r.MessageLimit != nil && len(o.Messages) > 0 {
			p.dirty[r.Name] = true // the messages sent are counted in the state
		}
		return o, nil
	}
	if r.HasSegment {
		ok, err := e.prog.Holds(ctx, r.Name, runtime.CondSegment, e.alone(p, at))
		if reason, detail, bad := condFailure(err); bad {
			return skip(reason, detail)
		} else if err != nil {
			return nil, err
		}
		if !ok {
			return skip(ReasonNotInSegment, "the player is not in the rule's segment")
		}
	}
	if q := r.Qualification; q != nil {
		if st.QualifiedAt.IsZero() {
			return skip(ReasonNotQualified, "no qualifying "+q.Type+" yet")
		}
		if q.Limit > 0 && st.QualRewards >= q.Limit {
			return skip(ReasonQualificationLimit, "the qualification's limit of rewards is reached: a new qualifying "+q.Type+" starts it again")
		}
	}
	if o.Action == "control" {
		return skip(ReasonControlGroup, "the player is in the control group")
	}
	if l := r.RewardLimit; l != nil && limitReached(st.Rewards, at, l.Per, e.limitLoc(p, l), l.Count) {
		return skip(ReasonRateLimited, "the rule's limit of rewards per period is reached")
	}
	if o.Offer != "" {
		return e.giveOffer(ctx, f, o, st, skip) // offer.go
	}
	var opts []runtime.EvalOption
	if e.opts.Trace {
		opts = append(opts, runtime.WithTrace())
	}
	res, err := e.prog.EvaluatePrepared(ctx, o.Reward, e.evalInput(p, o.Reward, f.trig, f.anchors), opts...)
	if err != nil {
		return nil, err
	}
	o.Trace = res.Trace
	o.Kind = res.Kind
	if res.Outcome != runtime.Calculated {
		o.setRaw(res)
		return skip(res.Reason, res.Detail)
	}
	switch {
	case res.Kind == "template":
		o.Template = res.Template
	case res.Kind == "amount":
		o.Amount, o.Currency = num(res.Amount()), res.Currency
	default:
		o.Points, o.Target = num(res.Amount()), res.Target
	}
	manual := r.Approval == "manual" || (r.Approval == "" && res.Manual)
	o.Status = string(store.Issued)
	if manual {
		o.Status = string(store.Waiting)
		o.Trigger.Zone = p.runtimePlayer().Zone // for a recalculation (recalc.go)
		if within, ok := r.ApprovalWithin[o.Action]; ok {
			expires := o.At.Add(within)
			o.Expires = &expires
		}
	}
	// The store decides the budget; the mirror says what it will decide, so
	// that a refused reward counts towards no limit.
	m, err := e.mirror(ctx, r.Name)
	if err != nil {
		return nil, err
	}
	e.refusal(o, r)
	amount, cur := o.budgetAmount()
	if reason := m.take(amount, cur); reason != "" {
		// Sent as calculated: the store refuses it and, when the budget ran
		// out, suspends the campaign in the same transaction. Its messages
		// are sent, and count towards the message limit.
		o.Reason = reason
		s := *o
		s.Status, s.Messages = string(store.Skipped), nil
		e.messages(&s, r, st, e.loc(p))
		o.Refused = s.Messages
		if r.MessageLimit != nil {
			p.dirty[r.Name] = true
		}
		return o, nil
	}
	if l := r.RewardLimit; l != nil {
		st.Rewards = keepRecent(st.Rewards, at, l.Per, e.limitLoc(p, l), e.opts.Lateness)
	}
	if r.Qualification != nil {
		st.QualRewards++
	}
	p.dirty[r.Name] = true
	e.messages(o, r, st, e.loc(p))
	return o, nil
}

// refusal sets the messages a calculated outcome sends if the store
// refuses it (its budget, a suspension), with the reason left to fill:
// they are logged with it (see OutcomeOf).
func (e *Engine) refusal(o *Outcome, r *runtime.Rule) {
	s := *o
	s.Status, s.Reason, s.Messages = string(store.Skipped), "", nil
	e.messages(&s, r, nil, nil)
	o.Refused = s.Messages
}

// outcome starts the outcome of a firing: the rule, the action (the
// reward given, the player's variant's, or "control") and the key.
func (e *Engine) outcome(f *firing) *Outcome {
	r := f.rule
	trig := f.trig
	trig.Time = trig.Time.UTC() // a scheduled firing's is on its zone's clock
	o := &Outcome{Rule: r.Name, Action: r.Give, Reward: r.Give, Player: f.p.id, TriggerHash: f.hash,
		RuleSetVersion: e.prog.Version(), Trigger: trig, At: trig.Time}
	if r.Offer != "" {
		o.Action, o.Offer = r.Offer, r.Offer
	}
	if r.Split != nil {
		arm := r.Split.Arm(r.Name, f.p.id)
		o.Action, o.Reward, o.Offer, o.Variant = arm.Reward, arm.Reward, arm.Offer, arm.Name
		if arm.Offer != "" {
			o.Action = arm.Offer
		}
		if arm.Control {
			o.Action, o.Reward, o.Variant = "control", "", "control"
		}
	}
	o.Key = KeyString(store.Key{Rule: o.Rule, Action: o.Action, Player: o.Player, TriggerHash: o.TriggerHash})
	return o
}

// messages lists the messages of the outcome's status, within the rule's
// message limit on the player's clock, loc (not counted when st is nil).
func (e *Engine) messages(o *Outcome, r *runtime.Rule, st *ruleState, loc *time.Location) {
	for _, m := range r.Messages {
		switch {
		case m.On == "skipped" && o.Status == string(store.Skipped):
		case m.On == "calculated" && (o.Status == string(store.Issued) || o.Status == string(store.Waiting)):
		case m.On == "issued" && o.Status == string(store.Issued):
		default:
			continue
		}
		msg := Message{Name: m.Name, Values: map[string]string{}}
		for _, v := range m.With {
			msg.Values[v] = o.value(v)
		}
		if l := r.MessageLimit; l != nil && st != nil {
			loc := loc
			if !l.Days {
				loc = nil // elapsed time
			}
			if limitReached(st.Messages, o.At, l.Per, loc, l.Count) {
				msg.Suppressed = true
			} else {
				st.Messages = keepRecent(st.Messages, o.At, l.Per, loc, e.opts.Lateness)
			}
		}
		o.Messages = append(o.Messages, msg)
	}
}

// value is the text of a value a message carries.
func (o *Outcome) value(name string) string {
	switch name {
	case "amount":
		if o.Amount != nil {
			return o.Amount.String()
		}
	case "currency":
		return o.Currency
	case "points":
		if o.Points != nil {
			return o.Points.String()
		}
	case "template":
		return o.Template
	case "reward":
		return o.Reward
	case "reason":
		return o.Reason
	case "variant":
		return o.Variant
	case "offer":
		return o.OfferRef
	case "assignment":
		return o.Assignment
	case "code":
		return o.Code
	}
	return ""
}

// condFailure reads a condition's evaluation error: a reason and a detail
// for the outcome when it is about the input.
func condFailure(err error) (reason, detail string, ok bool) {
	if err == nil {
		return "", "", false // the common case, without errors.As's allocation
	}
	var ce *runtime.CondError
	if errors.As(err, &ce) {
		return ce.Reason, ce.Detail, true
	}
	return "", "", false
}

// inputs are the builders and prepared inputs of the engine's evaluations,
// reused from one evaluation to the next so that an event allocates no
// input (runtime.Builder.PreparedInto). Each Prepared is valid until the
// next input of its kind: one, a player and at most one event, until the
// next call of Engine.one (a call's checks, then the conditions of one
// event); hist, a player's history, until the next history input. Both are
// evaluated at once and never kept, and the engine decides one event at a
// time (its mutex), so nothing reads one while it is written again.
type inputs struct {
	// scratch prepares one; shared, the histories of the players too short
	// to keep a builder of their own (see input), and those evaluated as of
	// an earlier time.
	scratch, shared *runtime.Builder
	one, hist       runtime.Prepared
	// holder is the player whose whole history the shared builder holds,
	// as of the player's gen held, so that the evaluations of one event
	// (the rewards of the rules it fires) fill it once; nil when it holds
	// something else.
	holder *player
	held   uint64
	// alone prepares a player without its history (a segment, which
	// reads none), into player; fills counts the histories filled into a
	// builder, for the tests.
	alone  *runtime.Builder
	player runtime.Prepared
	fills  int
}

// alone prepares the input of the player alone, as of at: no transaction.
// A segment is evaluated on it: the checker refuses an aggregation in a
// rule's condition and a constant reads nothing of the input, so a segment
// reads the player's properties and now only, and its outcome is the one
// it has with the history; a player outside the segment (most of a
// scheduled run's audience) has its history filled for nothing else. It
// differs for a history that does not prepare (a transaction in another
// currency than the player's, kept from before a change of the player's
// currency): the segment decides, and the reward a member is given reports
// the history's invalid-input; an offer, which reads none, is given
// (spec/semantics.md).
func (e *Engine) alone(p *player, at time.Time) *runtime.Prepared {
	b := e.in.alone
	if b == nil {
		b = e.prog.NewBuilder()
		e.in.alone = b
	}
	b.Reset()
	if b.SetPlayer(p.runtimePlayer()) == nil {
		b.SetNow(at) // an error is kept: the Prepared reports it
	}
	return b.PreparedInto(&e.in.player)
}

// prepared builds the input of an evaluation as of at: the player, the
// history up to at, and the anchors; one, when not nil, replaces the
// history (the event a condition reads).
func (e *Engine) prepared(p *player, at time.Time, a runtime.Anchors, one *runtime.Transaction) *runtime.Prepared {
	if one != nil {
		return e.one(p.runtimePlayer(), at, one)
	}
	return e.historyInput(p, at, at, a)
}

// evalInput is the input of a reward's evaluation for a trigger: the
// history up to the trigger's time and, as now, the instant just after an
// event that triggered (its time + 1 ns), so that the windows ending at now
// (last N days, since entrance), half-open, read that event; a time
// trigger (inactivity, schedule) evaluates as of its instant.
func (e *Engine) evalInput(p *player, reward string, tr Trigger, a runtime.Anchors) *runtime.Prepared {
	now := tr.Time
	if tr.Type == "event" || tr.Type == "every" {
		now = now.Add(time.Nanosecond)
	}
	upto := tr.Time
	if a.LastTransaction.After(upto) {
		upto = a.LastTransaction // the batch's Nth event came late
	}
	if from, skip := e.skipped(reward, tr, a); skip > 0 {
		// Events taken in the order received: those at the window's
		// start that came before the event that set it are not the
		// window's (the batch's first, the qualifying, the entering).
		n := sort.Search(len(p.history), func(i int) bool { return p.history[i].Time.After(upto) })
		i := sort.Search(n, func(i int) bool { return !p.history[i].Time.Before(from) })
		j := min(i+skip, n)
		return e.fill(p, now, a, p.history[:i], p.history[j:n])
	}
	return e.historyInput(p, upto, now, a)
}

// historyInput is the input of the player's history up to upto (the
// events at or before it), as of now: from the player's builder when the
// history ends by upto (the common case: an evaluation as of the latest
// event), else from the history.
func (e *Engine) historyInput(p *player, upto, now time.Time, a runtime.Anchors) *runtime.Prepared {
	if len(p.history) == 0 || !p.history[len(p.history)-1].Time.After(upto) {
		if in := e.input(p, now, a); in != nil {
			return in
		}
	}
	n := sort.Search(len(p.history), func(i int) bool { return p.history[i].Time.After(upto) })
	return e.fill(p, now, a, p.history[:n], nil)
}

// fill prepares the player with the transactions of h1 then h2, as of now,
// on the engine's shared builder: the input Program.Prepare makes of them
// (its first error kept, reported by every evaluation).
func (e *Engine) fill(p *player, now time.Time, a runtime.Anchors, h1, h2 []runtime.Transaction) *runtime.Prepared {
	b := e.sharedBuilder()
	e.in.fills++
	if b.SetPlayer(p.runtimePlayer()) == nil && b.SetNow(now) == nil {
		b.SetAnchors(a)
		for _, h := range [2][]runtime.Transaction{h1, h2} {
			for i := range h {
				if b.Add(h[i]) != nil {
					return b.PreparedInto(&e.in.hist)
				}
			}
		}
	}
	return b.PreparedInto(&e.in.hist)
}

// sharedBuilder returns the engine's shared builder, reset.
func (e *Engine) sharedBuilder() *runtime.Builder {
	if e.in.shared == nil {
		e.in.shared = e.prog.NewBuilder()
	}
	e.in.shared.Reset()
	e.in.holder = nil
	return e.in.shared
}

// ownInput is the number of events in a player's history from which the
// player keeps a builder of its own between events: below it, an
// evaluation fills the engine's shared builder from the history, which
// costs about what appending each event to a builder of its own would,
// without the few kilobytes such a builder holds per player for as long as
// the player is cached.
const ownInput = 48

// input is prepared for an evaluation as of at, a time at or after the
// player's latest event, from the player's builder (made from the history
// when missing) or, for a short history, from the engine's shared builder
// filled with it: the same input as Program.Prepare of the whole history.
// nil when the builder cannot give it: prepare from the history.
func (e *Engine) input(p *player, at time.Time, a runtime.Anchors) *runtime.Prepared {
	if p.noInput {
		return nil
	}
	b := p.input
	if b == nil && e.in.holder == p && e.in.held == p.gen {
		b = e.in.shared // filled with this history by an earlier evaluation
	}
	if b == nil {
		shared := len(p.history) < ownInput
		if shared {
			b = e.sharedBuilder()
		} else {
			b = e.prog.NewBuilder()
		}
		e.in.fills++
		if b.SetPlayer(p.runtimePlayer()) != nil {
			p.noInput = true
			return nil
		}
		for i := range p.history {
			if b.Add(p.history[i]) != nil {
				p.noInput = true
				return nil
			}
		}
		if shared {
			e.in.holder, e.in.held = p, p.gen
		} else {
			p.input = b
		}
	}
	if b.SetNow(at) != nil {
		// The error stays in the builder: make it again next time.
		p.input = nil
		if b == e.in.shared {
			e.in.holder = nil
		}
		return nil
	}
	b.SetAnchors(a)
	return b.PreparedInto(&e.in.hist)
}

// one prepares the input of a player and at most one transaction as of at,
// as Program.Prepare would, on the engine's scratch builder: valid until
// the next call.
func (e *Engine) one(pl runtime.Player, at time.Time, tx *runtime.Transaction) *runtime.Prepared {
	b := e.in.scratch
	if b == nil {
		b = e.prog.NewBuilder()
		e.in.scratch = b
	}
	b.Reset()
	if b.SetPlayer(pl) != nil || b.SetNow(at) != nil {
		return b.PreparedInto(&e.in.one)
	}
	if tx != nil {
		b.Add(*tx) // an error is kept: the Prepared reports it
	}
	return b.PreparedInto(&e.in.one)
}

// skipped says where a reward's window starts when it starts at an event
// (the first of an accumulation, the qualifying event, the entering
// event), and how many events at that time received before it the window
// leaves out: Trigger.Skip, QualSkip, EnterSkip.
func (e *Engine) skipped(reward string, tr Trigger, a runtime.Anchors) (time.Time, int) {
	if tr.Skip == 0 && tr.QualSkip == 0 && tr.EnterSkip == 0 {
		return time.Time{}, 0
	}
	ri := e.prog.Info().Reward(reward)
	if ri == nil {
		return time.Time{}, 0
	}
	switch ri.Window.Kind {
	case window.FirstToLast, window.FirstToFixed:
		return a.FirstTransaction, tr.Skip
	case window.QualificationToLast, window.QualificationToFixed:
		return a.Qualification, tr.QualSkip
	case window.SinceEntrance:
		return a.Entrance, tr.EnterSkip
	}
	return time.Time{}, 0
}

// limitLoc is the clock of a rate limit's periods: the player's zone (loc)
// for a limit written in days or weeks, nil (elapsed time) for one written
// in hours or minutes.
func (e *Engine) limitLoc(p *player, l *runtime.RateLimit) *time.Location {
	if !l.Days {
		return nil
	}
	return e.loc(p)
}

// loc is the player's zone, for limits in days; UTC when unknown.
func (e *Engine) loc(p *player) *time.Location {
	if p.meta.Zone == "" {
		return time.UTC
	}
	if l, ok := e.zoneCache.Load(p.meta.Zone); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(p.meta.Zone)
	if err != nil {
		return time.UTC // checked when stored; not reached
	}
	e.zoneCache.Store(p.meta.Zone, l)
	return l
}
