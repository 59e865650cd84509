package promotest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// This file runs event-sequence tests (spec/spec.md, section 15): each on a
// fresh SQLite store in a directory of its own, through the campaign
// engine. The players are stored first, the budgets the test sets replace
// the rule's, and then the steps run in source order: a batch of events in
// time order, each after the clock has run to its time; an advance; an
// expect, judged against the outcomes of the rule under test so far and
// the store.

// seqRun is the state of one running event-sequence test.
type seqRun struct {
	s        *Suite
	tc       *compiler.TestCase
	rule     string
	consts   map[lang.Expr]*compiler.Value
	st       store.Store
	eng      *engine.Engine
	started  bool
	clock    time.Time
	outcomes []engine.Outcome // of the rule under test, in the order the engine gave them
	counts   map[string]int   // events so far per kind, for their default ids
	// inactive is the shortest inactivity a rule waits for; 0 when none
	// does. A batch of events handled in one call spans less than it, so
	// that no inactivity falls inside a call.
	inactive time.Duration
	trace    bool // the engine traces evaluations
}

// seqEvent is one event of a batch, with its place in the source for a
// stable order.
type seqEvent struct {
	ev  engine.Event
	ord int
	at  string // the clause it comes from, for people: "the row at r_test.promo:7:3"
}

// at names the place of a clause of the test: "the repeat at
// rules/r_test.promo:7:2".
func (run *seqRun) at(what string, p lang.Pos) string {
	return fmt.Sprintf("%s at %s:%d:%d", what, run.tc.File, p.Line, p.Col)
}

// runSequence runs an event-sequence test and fills r. With trace, the
// engine traces the evaluations of rewards, for their branch coverage.
func (s *Suite) runSequence(ctx context.Context, tc *compiler.TestCase, r *Result, trace bool) {
	r.Rule = tc.Rule.Symbol.Name
	dir, err := os.MkdirTemp("", "promotest-")
	if err != nil {
		r.Problem = "cannot make the test's store: " + err.Error()
		return
	}
	defer os.RemoveAll(dir)
	// The store is the test's alone and thrown away after it: its commits
	// need not wait for the disk (a scheduled run every minute over a
	// simulated month is tens of thousands of them), and its schema is a
	// copy of the one this process migrated first (OpenFresh).
	st, err := sqlite.OpenFresh(ctx, filepath.Join(dir, "state.db"), sqlite.Options{Relaxed: true})
	if err != nil {
		r.Problem = "cannot open the test's store: " + err.Error()
		return
	}
	defer st.Close()
	run := &seqRun{s: s, tc: tc, rule: r.Rule, consts: s.info.Info.Consts, st: st, counts: map[string]int{}, trace: trace}
	for _, rule := range s.prog.Rules() {
		for _, ev := range []*runtime.RuleEvent{&rule.Trigger, rule.Entrance} {
			if ev != nil && ev.Kind == runtime.EventInactive && ev.Length > 0 && (run.inactive == 0 || ev.Length < run.inactive) {
				run.inactive = ev.Length
			}
		}
	}
	defer func() { r.Outcomes = run.steps() }()
	if err := run.setup(ctx); err != nil {
		r.Problem = err.Error()
		return
	}
	r.Passed = true
	var batch []seqEvent
	for _, cl := range tc.Decl.Clauses {
		switch cl := cl.(type) {
		case *lang.EventsClause:
			batch = run.table(batch, cl)
		case *lang.RepeatClause:
			batch = run.repeat(batch, cl)
		case *lang.UpdateClause:
			batch = append(batch, seqEvent{run.update(cl), len(batch), run.at("the update", cl.Span().Start)})
		case *lang.DecisionClause:
			if err := run.flush(ctx, batch); err != nil {
				r.Passed, r.Problem = false, err.Error()
				return
			}
			batch = nil
			if err := run.decide(ctx, cl); err != nil {
				r.Passed, r.Problem = false, err.Error()
				return
			}
		case *lang.AdvanceClause:
			if err := run.flush(ctx, batch); err != nil {
				r.Passed, r.Problem = false, err.Error()
				return
			}
			batch = nil
			if err := run.advance(ctx, run.consts[cl.To].Time); err != nil {
				r.Passed, r.Problem = false, err.Error()
				return
			}
		case lang.Expectation:
			if err := run.flush(ctx, batch); err != nil {
				r.Passed, r.Problem = false, err.Error()
				return
			}
			batch = nil
			c, err := run.judge(ctx, cl)
			if err != nil {
				r.Passed, r.Problem = false, err.Error()
				return
			}
			r.Checks = append(r.Checks, c)
			r.Passed = r.Passed && c.Passed
		}
	}
	if err := run.flush(ctx, batch); err != nil {
		r.Passed, r.Problem = false, err.Error()
	}
}

// setup stores the players, makes the engine, sets the budgets the test
// sets, and starts the clock.
func (run *seqRun) setup(ctx context.Context) error {
	var players []store.Player
	var start time.Time
	for _, cl := range run.tc.Decl.Clauses {
		switch cl := cl.(type) {
		case *lang.PlayerClause:
			p, err := run.player(cl)
			if err != nil {
				return err
			}
			players = append(players, p)
		case *lang.NowClause:
			t, problem := wallTime(cl.Time, cl.Zone, "")
			if problem != "" {
				return fmt.Errorf("%s", problem)
			}
			start = t
		}
	}
	if err := run.st.PutPlayers(ctx, players); err != nil {
		return fmt.Errorf("storing the players: %w", err)
	}
	eng, err := engine.New(ctx, run.s.prog, run.st, engine.Options{Trace: run.trace})
	if err != nil {
		return err
	}
	run.eng = eng
	if start.IsZero() {
		start = run.firstTime()
	}
	for _, cl := range run.tc.Decl.Clauses {
		if v, ok := cl.(*lang.VouchersClause); ok {
			if err := run.vouchers(ctx, v, start); err != nil {
				return err
			}
		}
		if b, ok := cl.(*lang.TestBudgetClause); ok {
			v := run.consts[b.Value]
			cur := ""
			if v.Type.Kind == compiler.Money {
				cur = v.Type.Cur
			}
			if err := run.st.SetBudget(ctx, run.rule, cur, v.Num.Decimal(), start); err != nil {
				return fmt.Errorf("setting the budget of %s: %w", run.rule, err)
			}
		}
	}
	if !start.IsZero() {
		return run.advance(ctx, start)
	}
	return nil
}

// vouchers imports the codes of a vouchers clause into its offer, which
// the engine stored when it started.
func (run *seqRun) vouchers(ctx context.Context, cl *lang.VouchersClause, at time.Time) error {
	o := run.s.prog.Offer(cl.Offer.Name)
	if o == nil {
		return fmt.Errorf("vouchers: unknown offer %s", cl.Offer.Name)
	}
	codes := make([]string, len(cl.Codes))
	for i, c := range cl.Codes {
		codes[i] = c.Value
	}
	if _, err := run.st.ImportVouchers(ctx, o.Ref, codes, at); err != nil {
		return fmt.Errorf("importing the vouchers of offer %s: %w", cl.Offer.Name, err)
	}
	return nil
}

// firstTime is the time of the first step, when the test has no now: the
// earliest event (or update) of its first batch, or its first advance;
// zero when neither comes before the first expect.
func (run *seqRun) firstTime() time.Time {
	var first time.Time
	earlier := func(t time.Time) {
		if first.IsZero() || t.Before(first) {
			first = t
		}
	}
	for _, cl := range run.tc.Decl.Clauses {
		switch cl := cl.(type) {
		case *lang.EventsClause:
			for _, row := range cl.Rows {
				for i, x := range row.Values {
					if cl.Columns[i].Name == "time" {
						earlier(run.consts[x].Time)
					}
				}
			}
		case *lang.RepeatClause:
			earlier(run.consts[cl.From].Time)
		case *lang.UpdateClause:
			earlier(run.consts[cl.At].Time)
		case *lang.AdvanceClause:
			if first.IsZero() {
				return run.consts[cl.To].Time
			}
			return first
		case lang.Expectation:
			if !first.IsZero() {
				return first
			}
		}
	}
	return first
}

// player builds a player's record for the store.
func (run *seqRun) player(cl *lang.PlayerClause) (store.Player, error) {
	p := runtime.Player{ID: compiler.PlayerID(cl.ID), Properties: map[string]any{}}
	for _, f := range cl.Fields {
		switch f.Name.Name {
		case "currency":
			p.Currency = currencyOf(f.Value)
		case "zone":
			p.Zone = run.consts[f.Value].Str
		default:
			p.Properties[f.Name.Name] = recordValue(run.consts[f.Value])
		}
	}
	props, err := runtime.EncodePlayer(p)
	if err != nil {
		return store.Player{}, fmt.Errorf("player %s: %w", p.ID, err)
	}
	return store.Player{ID: p.ID, Zone: p.Zone, Props: props}, nil
}

// recordValue is a checked value as an event or a player record holds it:
// numbers as json.Number, times as RFC 3339 text, durations as text.
func recordValue(v *compiler.Value) any {
	switch v.Type.Kind {
	case compiler.Money, compiler.Number, compiler.Count, compiler.Percent:
		return json.Number(v.Num.String())
	case compiler.String:
		return v.Str
	case compiler.Bool:
		return v.Bool
	case compiler.Time:
		return v.Time.UTC().Format(time.RFC3339Nano)
	case compiler.Duration:
		return v.Dur.String()
	}
	return nil
}

// event starts the next event of a kind, with its default id.
func (run *seqRun) event(kind, player string) engine.Event {
	run.counts[kind]++
	return engine.Event{ID: kind + "-" + strconv.Itoa(run.counts[kind]), Kind: kind, Player: player, Attrs: map[string]any{}}
}

// onlyPlayer is the test's player when it has one; "" otherwise.
func (run *seqRun) onlyPlayer() string {
	id := ""
	for _, cl := range run.tc.Decl.Clauses {
		if p, ok := cl.(*lang.PlayerClause); ok {
			if id != "" {
				return ""
			}
			id = compiler.PlayerID(p.ID)
		}
	}
	return id
}

// set sets one cell of an event.
func (run *seqRun) set(ev *engine.Event, name string, x lang.Expr) {
	if id, ok := x.(*lang.Ident); ok && id.Name == compiler.Absent {
		return
	}
	switch name {
	case "currency":
		ev.Currency = currencyOf(x)
		return
	case "player", "kind":
		return // set by the caller
	}
	v := run.consts[x]
	switch name {
	case "time":
		ev.Time = v.Time
	case "id":
		ev.ID = v.Str
	default:
		ev.Attrs[name] = recordValue(v)
		if v.Type.Kind == compiler.Money && v.Type.Cur != "" {
			ev.Currency = v.Type.Cur
		}
	}
}

func (run *seqRun) table(batch []seqEvent, cl *lang.EventsClause) []seqEvent {
	only := run.onlyPlayer()
	for _, row := range cl.Rows {
		kind, player := "", only
		for i, x := range row.Values {
			switch cl.Columns[i].Name {
			case "kind":
				kind = x.(*lang.Ident).Name
			case "player":
				player = compiler.PlayerID(x)
			}
		}
		ev := run.event(kind, player)
		for i, x := range row.Values {
			run.set(&ev, cl.Columns[i].Name, x)
		}
		batch = append(batch, seqEvent{ev, len(batch), run.at("the row", row.Span().Start)})
	}
	return batch
}

func (run *seqRun) repeat(batch []seqEvent, cl *lang.RepeatClause) []seqEvent {
	n, _ := strconv.Atoi(cl.Count.Text)
	every := run.consts[cl.Every].Dur
	at := run.consts[cl.From].Time
	player := run.onlyPlayer()
	for _, f := range cl.Fields {
		if f.Name.Name == "player" {
			player = compiler.PlayerID(f.Value)
		}
	}
	for i := range n {
		ev := run.event(cl.Kind.Name, player)
		ev.Time = at.Add(time.Duration(i) * every)
		for _, f := range cl.Fields {
			run.set(&ev, f.Name.Name, f.Value)
		}
		batch = append(batch, seqEvent{ev, len(batch), run.at(fmt.Sprintf("event %d of the repeat", i+1), cl.Span().Start)})
	}
	return batch
}

// update is the player event of an update clause.
func (run *seqRun) update(cl *lang.UpdateClause) engine.Event {
	run.counts["update"]++
	ev := engine.Event{ID: "update-" + strconv.Itoa(run.counts["update"]), Kind: engine.KindPlayer,
		Player: compiler.PlayerID(cl.Player), Time: run.consts[cl.At].Time, Properties: map[string]any{}}
	for _, f := range cl.Fields {
		switch f.Name.Name {
		case "currency":
			ev.Currency = currencyOf(f.Value)
		case "zone":
			ev.Zone = run.consts[f.Value].Str
		default:
			ev.Properties[f.Name.Name] = recordValue(run.consts[f.Value])
		}
	}
	return ev
}

// flush runs a batch of events in time order. Before each call to the
// engine the clock runs to the time of its first event, so that what is
// due by then fires first; a call holds the events before the next thing
// due and within the shortest inactivity a rule waits for, so that nothing
// falls due inside it.
func (run *seqRun) flush(ctx context.Context, batch []seqEvent) error {
	sort.SliceStable(batch, func(i, j int) bool { return batch[i].ev.Time.Before(batch[j].ev.Time) })
	for i := 0; i < len(batch); {
		t := batch[i].ev.Time
		if t.After(run.clock) {
			if err := run.advance(ctx, t); err != nil {
				return err
			}
		}
		next, due, err := run.eng.NextDue(ctx, run.clock)
		if err != nil {
			return err
		}
		j := i + 1
		for j < len(batch) {
			tj := batch[j].ev.Time
			if (due && !tj.Before(next)) || (run.inactive > 0 && !tj.Before(t.Add(run.inactive))) {
				break
			}
			j++
		}
		events := make([]engine.Event, 0, j-i)
		for _, e := range batch[i:j] {
			events = append(events, e.ev)
		}
		outs, err := run.eng.Handle(ctx, events)
		run.keep(outs)
		if err != nil {
			// The engine names the event by its id, which the test may not
			// write (deposit-1): say which line of the test it comes from.
			var ee *engine.EventError
			if errors.As(err, &ee) && ee.Index >= 0 && ee.Index < j-i {
				if e := batch[i+ee.Index]; e.at != "" && (ee.ID == "" || ee.ID == e.ev.ID) {
					return fmt.Errorf("%s: %w", e.at, err)
				}
			}
			return err
		}
		if last := batch[j-1].ev.Time; last.After(run.clock) {
			run.clock = last
		}
		i = j
	}
	return nil
}

// decide approves or rejects a waiting outcome, as an operator does, at
// the time the clock is at; the issued or rejected outcome it gives is the
// rule's next.
func (run *seqRun) decide(ctx context.Context, cl *lang.DecisionClause) error {
	verb := "reject"
	if cl.Approve {
		verb = "approve"
	}
	n, _ := strconv.Atoi(cl.N.Text)
	if n < 1 || n > len(run.outcomes) {
		return fmt.Errorf("line %d: %s %d: no outcome %d, %s so far", cl.Start.Line, verb, n, n, plural(len(run.outcomes), "outcome"))
	}
	o := run.outcomes[n-1]
	if o.Status != string(store.Waiting) {
		return fmt.Errorf("line %d: %s %d: outcome %d is %s, not waiting", cl.Start.Line, verb, n, n, o.Status)
	}
	key := store.Key{Rule: o.Rule, Action: o.Action, Player: o.Player, TriggerHash: o.TriggerHash}
	var so store.Outcome
	var err error
	if cl.Approve {
		so, err = run.st.Approve(ctx, key, run.clock)
	} else {
		reason := "rejected"
		if cl.Reason != nil {
			reason = cl.Reason.Value
		}
		so, err = run.st.Reject(ctx, key, reason, run.clock)
	}
	if err != nil {
		return fmt.Errorf("line %d: %s %d: %w", cl.Start.Line, verb, n, err)
	}
	got, err := engine.OutcomeOf(so)
	if err != nil {
		return err
	}
	run.outcomes = append(run.outcomes, got)
	return nil
}

// advance runs the clock to t, firing what falls due on the way in its
// order, one Advance per due time, as promoc run does up to --until: a daily
// schedule fires on each day of an advance over a month. (One Advance over
// the whole span would collapse those firings into the latest, which is
// what an engine does after it was down; a test's clock is not down.)
func (run *seqRun) advance(ctx context.Context, t time.Time) error {
	if !run.clock.IsZero() {
		var prev time.Time
		for {
			at, due, err := run.eng.NextDue(ctx, run.clock)
			if err != nil {
				return err
			}
			if !due || at.After(t) {
				break
			}
			if at.Before(run.clock) {
				at = run.clock
			}
			if !prev.IsZero() && !at.After(prev) {
				return fmt.Errorf("engine: something due at %s did not fire", at.UTC().Format(time.RFC3339Nano))
			}
			prev = at
			if err := run.advanceOnce(ctx, at); err != nil {
				return err
			}
		}
	}
	return run.advanceOnce(ctx, t)
}

// advanceOnce runs the engine's clock to t in one Advance.
func (run *seqRun) advanceOnce(ctx context.Context, t time.Time) error {
	outs, err := run.eng.Advance(ctx, t)
	run.keep(outs)
	if err != nil {
		return err
	}
	if t.After(run.clock) {
		run.clock = t
	}
	return nil
}

// Step is one outcome of the rule an event-sequence test runs, for
// reports.
type Step struct {
	N       int    // from 1
	Player  string // the player's id
	Text    string // as expect outcome writes it after the number and the player: issued 5.00 EUR
	Trigger string // the event that fired the rule, or what else did: schedule, inactive
	At      time.Time
	Outcome engine.Outcome
}

// steps are the outcomes so far, for the report.
func (run *seqRun) steps() []Step {
	out := make([]Step, len(run.outcomes))
	for i, o := range run.outcomes {
		trigger := o.Trigger.Event
		if trigger == "" {
			trigger = o.Trigger.Type
		}
		out[i] = Step{N: i + 1, Player: o.Player, Text: stepText(&o, false), Trigger: trigger, At: o.At, Outcome: o}
	}
	return out
}

// keep keeps the outcomes of the rule under test.
func (run *seqRun) keep(outs []engine.Outcome) {
	for _, o := range outs {
		if o.Rule == run.rule {
			run.outcomes = append(run.outcomes, o)
		}
	}
}
