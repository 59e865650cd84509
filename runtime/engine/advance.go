package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/vm/schedule"
)

// This file fires what time alone triggers: inactivity (per player, from
// the store's timers) and schedules (per rule and zone, once per firing,
// over every player of the zone).

// queuePage is the number of results of the approval queue (those
// waiting) read and expired, or read for a recalculation, at a time. It is
// not Options.PageSize, which pages what Advance reads of the players
// (their due timers, a scheduled run's audience): the queue is the
// operators' backlog, small beside the players, and a page of it is not
// worth a host's setting.
const queuePage = 500

// Advance fires what is due at or before now: the inactivity of players,
// the approval timeouts of results waiting (expire.go), and the scheduled
// triggers and entrances of rules on their zones' wall clocks. A schedule missed for several periods (the engine was down) runs
// once, as of its most recent missed firing. A schedule first seen by
// Advance is put into service at now: it does not fire for its past; so is
// an inactivity rule, whose timers it sets for the players already stored
// (inactiveservice.go).
//
// When only inactivity timers are due, their page is a batch of the
// pipeline (advancepipe.go): decided on the state the batches in flight
// leave, written after them, and Advance waits for it. Otherwise (and after
// a failure of a batch in flight) Advance waits for the batches in flight,
// and no batch is submitted until it returns.
func (e *Engine) Advance(ctx context.Context, now time.Time) ([]Outcome, error) {
	// Beside the batches in flight, not after them: inactiveservice.go.
	if err := e.serveInactivity(ctx, now); err != nil {
		return nil, err
	}
	t, err := e.submitAdvance(ctx, now)
	var out []Outcome
	if err == nil {
		if out, err = t.wait(); err == nil {
			return out, nil
		}
	}
	if errors.Is(err, errQuiesce) || errors.Is(err, ErrAborted) {
		// More than timers due; or refused, or written nothing of, because
		// a batch before failed: run once the batches in flight are
		// written, as of the store, as Advance always did.
		return e.advanceQuiesced(ctx, now)
	}
	return out, err // the outcomes written before the error, as before
}

// advanceQuiesced is Advance with the batches in flight written, and none
// submitted until it returns.
func (e *Engine) advanceQuiesced(ctx context.Context, now time.Time) ([]Outcome, error) {
	defer e.quiesce()()
	e.budgets = nil
	var out []Outcome
	err := e.leased(ctx, "timers", func(ctx context.Context) error {
		got, err := e.timers(ctx, now)
		out = append(out, got...)
		return err
	})
	if err != nil {
		return out, err
	}
	err = e.leased(ctx, "expiries", func(ctx context.Context) error {
		got, err := e.expire(ctx, now) // expire.go
		out = append(out, got...)
		return err
	})
	if err != nil {
		return out, err
	}
	for r, ev := range scheduled(e.rules) {
		got, err := e.schedule(ctx, r, ev, now)
		out = append(out, got...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// Clock is the latest instant the store shows the clock has reached: when
// a schedule of the rule set was put into service or last fired, in any
// zone; zero when it shows none. The clock an earlier Advance ran to is at
// least that (it is not stored as such): an Advance to an earlier time
// fires nothing.
func (e *Engine) Clock(ctx context.Context) (time.Time, error) {
	defer e.quiesce()()
	var t time.Time
	later := func(u time.Time) {
		if u.After(t) {
			t = u
		}
	}
	for r, ev := range scheduled(e.rules) {
		ss, _, err := e.scheduleState(ctx, r, ev)
		if err != nil {
			return time.Time{}, err
		}
		later(ss.Since)
		for _, l := range ss.Last {
			later(l)
		}
	}
	return t.UTC(), nil
}

// NextDue is the earliest instant after after at which Advance has
// something to fire: a player's inactivity, a waiting result's approval
// timeout or a schedule's next firing in a zone. ok is false when nothing is due ever.
func (e *Engine) NextDue(ctx context.Context, after time.Time) (next time.Time, ok bool, err error) {
	defer e.quiesce()()
	consider := func(t time.Time) {
		if !ok || t.Before(next) {
			next, ok = t, true
		}
	}
	ts, err := e.st.Due(ctx, maxTime, 1)
	if err != nil {
		return time.Time{}, false, err
	}
	if len(ts) > 0 {
		consider(ts[0].Due)
	}
	if t, due, err := e.nextExpiry(ctx); err != nil { // expire.go
		return time.Time{}, false, err
	} else if due {
		consider(t)
	}
	for r, ev := range scheduled(e.rules) {
		ss, _, err := e.scheduleState(ctx, r, ev)
		if err != nil {
			return time.Time{}, false, err
		}
		zones, err := e.zones(ctx, ev)
		if err != nil {
			return time.Time{}, false, err
		}
		for _, z := range zones {
			last := ss.Last[z]
			if last.IsZero() {
				last = ss.Since
			}
			if last.IsZero() || last.Before(after) {
				last = after
			}
			loc, err := zoneLoc(z)
			if err != nil {
				return time.Time{}, false, err
			}
			if f, fok := ev.Schedule.Next(last, loc); fok {
				consider(f.At)
			}
		}
	}
	return next, ok, nil
}

var maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

// timers fires the inactivity that is due, page by page.
func (e *Engine) timers(ctx context.Context, now time.Time) ([]Outcome, error) {
	var out []Outcome
	for {
		ts, err := e.st.Due(ctx, now, e.opts.PageSize)
		if err != nil || len(ts) == 0 {
			return out, err
		}
		got, err := e.fireTimers(ctx, ts)
		out = append(out, got...)
		if err != nil {
			return out, err
		}
	}
}

// fireTimers fires a page of due timers in one store transaction. A timer
// whose rule is gone, or whose inactivity already fired, is only removed;
// one the player's state sets at another time is set at that time.
func (e *Engine) fireTimers(ctx context.Context, ts []store.Timer) ([]Outcome, error) {
	return e.decideAll(ctx, len(ts), e.timerItem(ctx, ts, nil))
}

// timerItem decides the timer i of ts: the change that removes it and,
// when the player's inactivity is due, the firing. The players decided are
// marked as decided by the batch whose done is done, when one is given.
func (e *Engine) timerItem(ctx context.Context, ts []store.Timer, done chan struct{}) func(i int) (store.Change, []*Outcome, error) {
	return func(i int) (store.Change, []*Outcome, error) {
		t := ts[i]
		ch := store.Change{Timers: []store.Timer{{Player: t.Player, Rule: t.Rule}}}
		r := e.byName[t.Rule]
		if r == nil || r.Trigger.Kind != runtime.EventInactive {
			return ch, nil, nil
		}
		p, err := e.load(ctx, t.Player, t.Due)
		if err != nil {
			return ch, nil, err
		}
		if done != nil {
			p.written = done
		}
		last := p.meta.Latest
		if r.Trigger.Since != "" {
			last = p.meta.Kinds[r.Trigger.Since]
		}
		st := p.rule(r.Name)
		var outs []*Outcome
		if due := inactiveDue(last, r.Trigger.Length); !last.IsZero() && !st.InactiveFor.Equal(last) && !due.Equal(t.Due) {
			// The player's state was changed since the timer was read
			// (another engine took an event of theirs, and this firing
			// lost to it): the timer is the one that state set, kept.
			ch.Timers[0].Due = due
			return ch, nil, e.finish(p, &ch, nil)
		}
		if !last.IsZero() && !st.InactiveFor.Equal(last) {
			st.InactiveFor = last
			p.dirty[r.Name] = true
			f := &firing{rule: r, p: p, hash: triggerHash("inactive", p.id, last.UTC().Format(time.RFC3339Nano)),
				trig: Trigger{Type: "inactive", Time: t.Due}}
			o, err := e.fire(ctx, f)
			if err != nil {
				return ch, nil, err
			}
			if o != nil {
				outs = append(outs, o)
			}
		}
		return ch, outs, e.finish(p, &ch, outs)
	}
}

// finish adds a player's changed states and its outcomes to a change.
func (e *Engine) finish(p *player, ch *store.Change, outs []*Outcome) error {
	var err error
	if ch.States, err = p.changed(ch.States); err != nil {
		return err
	}
	ch.Outcomes = slices.Grow(ch.Outcomes, len(outs))
	for _, o := range outs {
		so, err := o.toStore()
		if err != nil {
			return err
		}
		ch.Outcomes = append(ch.Outcomes, so)
	}
	return nil
}

// decideAll decides n independent items (timers, players of a scheduled
// run) and writes them in one store transaction. An item whose change loses
// to another writer is decided again from the stored state; the others
// stand. An empty change is not written.
func (e *Engine) decideAll(ctx context.Context, n int, decide func(i int) (store.Change, []*Outcome, error)) ([]Outcome, error) {
	todo := make([]int, n)
	for i := range todo {
		todo[i] = i
	}
	return e.decideItems(ctx, todo, 0, decide)
}

// decideItems is decideAll for the items todo, from round on.
func (e *Engine) decideItems(ctx context.Context, todo []int, round int, decide func(i int) (store.Change, []*Outcome, error)) ([]Outcome, error) {
	var out []Outcome
	for ; len(todo) > 0; round++ {
		if round == maxRaceRounds {
			return out, fmt.Errorf("engine: a change lost to other writers %d times", maxRaceRounds)
		}
		backoff(ctx, round)
		e.budgets = nil // as the store has them now
		rd, err := e.decideRound(todo, decide)
		if err != nil {
			// The items decided before hold what was not written.
			clear(e.players)
			return out, err
		}
		if len(rd.changes) == 0 {
			break
		}
		applied, err := e.st.Apply(ctx, rd.changes)
		if err != nil {
			clear(e.players)
			return out, err
		}
		if out, todo, err = e.absorbRound(out, rd, applied); err != nil {
			return out, err
		}
	}
	return out, nil
}

// itemRound is a round of decideAll: the changes decided, the outcomes of
// each and the item each is of (an item with nothing to write has none).
type itemRound struct {
	changes []store.Change
	decided [][]*Outcome
	items   []int
}

// decideRound decides the items todo.
func (e *Engine) decideRound(todo []int, decide func(i int) (store.Change, []*Outcome, error)) (itemRound, error) {
	var rd itemRound
	for _, i := range todo {
		ch, outs, err := decide(i)
		if err != nil {
			return rd, err
		}
		if ch.Event == nil && len(ch.States) == 0 && len(ch.Outcomes) == 0 && len(ch.Timers) == 0 && len(ch.Players) == 0 {
			continue
		}
		rd.changes, rd.decided, rd.items = append(rd.changes, ch), append(rd.decided, outs), append(rd.items, i)
	}
	return rd, nil
}

// absorbRound takes what the store did with a round: the outcomes written,
// settled and appended to out, and the items whose change lost to another
// writer, to decide again (their players dropped from the cache).
func (e *Engine) absorbRound(out []Outcome, rd itemRound, applied []store.Applied) ([]Outcome, []int, error) {
	var retry []int
	for k, a := range applied {
		if a.Err != nil {
			if !errors.Is(a.Err, store.ErrStateConflict) {
				return out, nil, a.Err
			}
			for _, s := range rd.changes[k].States {
				e.forget(s.Player)
			}
			retry = append(retry, rd.items[k])
			continue
		}
		if len(rd.changes[k].States) > 0 {
			if p := e.players[rd.changes[k].States[0].Player]; p != nil {
				p.stored(rd.changes[k].States, a.Versions)
			}
		}
		for j, so := range a.Outcomes {
			if so.Repeat {
				continue
			}
			o := rd.decided[k][j]
			e.settle(o, so)
			out = append(out, *o)
		}
	}
	return out, retry, nil
}

// scheduled yields each rule's events that are schedules: its entrance,
// then its trigger.
func scheduled(rules []*runtime.Rule) iter.Seq2[*runtime.Rule, *runtime.RuleEvent] {
	return func(yield func(*runtime.Rule, *runtime.RuleEvent) bool) {
		for _, r := range rules {
			for _, ev := range []*runtime.RuleEvent{r.Entrance, &r.Trigger} {
				if ev != nil && ev.Kind == runtime.EventSchedule && !yield(r, ev) {
					return
				}
			}
		}
	}
}

// scheduleState reads the bookkeeping of a scheduled rule.
func (e *Engine) scheduleState(ctx context.Context, r *runtime.Rule, ev *runtime.RuleEvent) (scheduleState, store.State, error) {
	name := r.Name
	if ev == r.Entrance {
		name += ".entrance"
	}
	return bookState[scheduleState](ctx, e.st, name, "schedule state")
}

// bookState reads the engine's bookkeeping row name (a schedule's, an
// inactivity rule's: kept as the state of the player scheduleRule) as a
// T, and the row, to be written back; what names it in an error.
func bookState[T any](ctx context.Context, st store.Store, name, what string) (T, store.State, error) {
	var v T
	s, err := st.State(ctx, scheduleRule, name)
	if err != nil {
		return v, s, err
	}
	s.Player, s.Rule = scheduleRule, name
	if len(s.Data) > 0 {
		if err := json.Unmarshal(s.Data, &v); err != nil {
			return v, s, fmt.Errorf("engine: the %s of %s: %w", what, name, err)
		}
	}
	return v, s, nil
}

// zones lists the zones a schedule fires in: its own, or every zone of the
// stored players ("" for players without one, on UTC).
func (e *Engine) zones(ctx context.Context, ev *runtime.RuleEvent) ([]string, error) {
	if !ev.PlayerZone {
		z := ev.Zone
		if z == "" {
			z = "UTC"
		}
		return []string{z}, nil
	}
	return e.st.Zones(ctx)
}

func zoneLoc(z string) (*time.Location, error) {
	if z == "" {
		return time.UTC, nil
	}
	return time.LoadLocation(z)
}

// schedule runs the firing of a scheduled trigger or entrance due at now in
// each zone, if any.
func (e *Engine) schedule(ctx context.Context, r *runtime.Rule, ev *runtime.RuleEvent, now time.Time) ([]Outcome, error) {
	ss, row, err := e.scheduleState(ctx, r, ev)
	if err != nil {
		return nil, err
	}
	if ss.Since.IsZero() {
		// Put into service now: the schedule does not fire for its past.
		// A conflict: another engine put it into service.
		ss.Since = now
		if err := e.saveBook(ctx, row, ss); !errors.Is(err, store.ErrStateConflict) {
			return nil, err
		}
		return nil, nil
	}
	zones, err := e.zones(ctx, ev)
	if err != nil {
		return nil, err
	}
	var out []Outcome
	for _, z := range zones {
		loc, err := zoneLoc(z)
		if err != nil {
			return out, fmt.Errorf("engine: zone %q of the players: %w", z, err)
		}
		last := ss.Last[z]
		if last.IsZero() {
			last = ss.Since
		}
		f, ok := ev.Schedule.Missed(last, now, loc)
		if !ok {
			continue
		}
		err = e.leased(ctx, "schedule/"+row.Rule+"/"+z, func(ctx context.Context) error {
			got, err := e.run(ctx, r, ev, z, f)
			out = append(out, got...)
			if err != nil {
				return err
			}
			return e.fired(ctx, r, ev, z, f.At)
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// leased runs a job of Advance under its lease, when Options.Lease is set;
// a job another engine holds is left for this time.
func (e *Engine) leased(ctx context.Context, job string, fn func(ctx context.Context) error) error {
	if e.opts.Lease == nil {
		return fn(ctx)
	}
	held, release, ok, err := e.opts.Lease(ctx, job)
	if err != nil || !ok {
		return err
	}
	defer release()
	return fn(held)
}

// fired records in the schedule's row that its firing at at ran in zone
// z. Engines that run other zones of the rule write the same row: on a
// conflict it is read again and the zone recorded on what is stored.
func (e *Engine) fired(ctx context.Context, r *runtime.Rule, ev *runtime.RuleEvent, z string, at time.Time) error {
	for round := range maxRaceRounds {
		backoff(ctx, round)
		ss, row, err := e.scheduleState(ctx, r, ev)
		if err != nil {
			return err
		}
		if !ss.Last[z].Before(at) {
			return nil // recorded by another engine
		}
		if ss.Last == nil {
			ss.Last = map[string]time.Time{}
		}
		ss.Last[z] = at
		if err := e.saveBook(ctx, row, ss); !errors.Is(err, store.ErrStateConflict) {
			return err
		}
	}
	return fmt.Errorf("engine: the schedule state of %s lost to other writers %d times", r.Name, maxRaceRounds)
}

// saveBook writes v as the bookkeeping row read by bookState; another
// engine's write in between is store.ErrStateConflict.
func (e *Engine) saveBook(ctx context.Context, row store.State, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	row.Data = data
	applied, err := e.st.Apply(ctx, []store.Change{{States: []store.State{row}}})
	if err != nil {
		return err
	}
	return applied[0].Err // another engine ran it: a conflict, retried at the next Advance
}

// run fires one scheduled firing in one zone for every player of the zone,
// once: the store records the run, and every player's outcome shares its
// trigger hash, so a run resumed after a crash gives each player's outcome
// once.
//
// The pages of players are pipelined: a page is decided while the page
// before it is written, one store transaction a page, in order. The pages
// hold different players, so a page decided ahead rests on the page before
// it only through the budget mirror, which carries that page's
// reservations. When the page written did not go as decided (a change lost
// to another writer, an outcome the store decided otherwise than the
// mirror predicted), the page decided ahead is dropped, its players read
// again, and decided once the lost changes are written; when its
// transaction failed, nothing after it is written.
func (e *Engine) run(ctx context.Context, r *runtime.Rule, ev *runtime.RuleEvent, zone string, f schedule.Firing) ([]Outcome, error) {
	what := "trigger"
	if ev == r.Entrance {
		what = "entrance"
	}
	// A firing in a fixed zone is named by its zone and nominal local
	// time; one in player zone by its nominal local time alone, so that a
	// player who moves west after the firing of the zone left (Malta's
	// Monday 00:00) is not paid again by the new zone's (New York's,
	// six hours later) for the same local Monday: the idempotency key is
	// the one of the firing already given.
	key := f.Key()
	if ev.PlayerZone {
		key = "player zone " + f.Wall.String()
	}
	hash := triggerHash("schedule", r.Name, what, key)
	got, started, err := e.st.StartRun(ctx, store.Run{Campaign: r.Name + scheduleSuffix(ev == r.Entrance), Zone: zone, LocalDate: f.Wall.String(), TriggerHash: hash, Started: f.At})
	if err != nil {
		return nil, err
	}
	if !started && !got.Finished.IsZero() {
		return nil, nil
	}
	hash = got.TriggerHash
	var out []Outcome
	var w *pageWrite // the page being written
	// written waits for the page being written and takes its outcomes;
	// again says that some of its changes were decided again.
	written := func() (again bool, err error) {
		if w == nil {
			return false, nil
		}
		pw := w
		w = nil
		<-pw.done
		if p, ok := pw.err.(*panicked); ok {
			clear(e.players)
			panic(p.value) // the store's, raised in Advance's goroutine as before
		}
		if pw.err != nil {
			clear(e.players) // ahead of the store
			return false, pw.err
		}
		again = !roundAsDecided(pw.round, pw.applied) // before absorbRound settles the outcomes
		var retry []int
		if out, retry, err = e.absorbRound(out, pw.round, pw.applied); err != nil || len(retry) == 0 {
			return again, err
		}
		more, err := e.decideItems(ctx, retry, 1, pw.decide)
		out = append(out, more...)
		return true, err
	}
	// stop ends the run with err, once the page being written is.
	stop := func(err error) ([]Outcome, error) {
		if _, werr := written(); werr != nil {
			err = werr // the page written came first
		}
		clear(e.players) // a page decided and not written
		return out, err
	}
	e.budgets = nil // as the store has them now
	after := ""
	for {
		var ps []store.Player
		if ev.PlayerZone {
			ps, err = e.st.PlayersIn(ctx, zone, after, e.opts.PageSize)
		} else {
			ps, err = e.st.Players(ctx, after, e.opts.PageSize)
		}
		if err != nil {
			return stop(err)
		}
		if len(ps) == 0 {
			break
		}
		after = ps[len(ps)-1].ID
		decide := e.runPage(ctx, r, ev == r.Entrance, ps, f, hash)
		all := make([]int, len(ps))
		for i := range all {
			all[i] = i
		}
		rd, err := e.decideRound(all, decide)
		if err != nil {
			return stop(err)
		}
		again, err := written()
		if err != nil {
			return stop(err)
		}
		if again {
			for _, p := range ps {
				e.forget(p.ID)
			}
			e.budgets = nil
			if rd, err = e.decideRound(all, decide); err != nil {
				return stop(err)
			}
		}
		if len(rd.changes) > 0 {
			w = e.writePage(ctx, rd, decide)
		}
	}
	if _, err := written(); err != nil {
		return out, err
	}
	return out, e.st.FinishRun(ctx, got.Campaign, zone, got.LocalDate, f.At)
}

// roundAsDecided says whether the store wrote a round as decided: no
// change lost, every outcome given now with the status decided (the budget
// mirror predicted the store's decisions).
func roundAsDecided(rd itemRound, applied []store.Applied) bool {
	for k, a := range applied {
		if a.Err != nil {
			return false
		}
		for j, so := range a.Outcomes {
			if so.Repeat || string(so.Status) != rd.decided[k][j].Status {
				return false
			}
		}
	}
	return true
}

// pageWrite is a page of a scheduled run written while the next page is
// decided: its changes, the items' decide, and what the store did, once
// done is closed.
type pageWrite struct {
	round   itemRound
	decide  func(i int) (store.Change, []*Outcome, error)
	done    chan struct{}
	applied []store.Applied
	err     error
}

// writePage writes a page's changes in a goroutine of its own.
func (e *Engine) writePage(ctx context.Context, rd itemRound, decide func(i int) (store.Change, []*Outcome, error)) *pageWrite {
	w := &pageWrite{round: rd, decide: decide, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		defer func() {
			if v := recover(); v != nil {
				w.err = &panicked{value: v}
			}
		}()
		w.applied, w.err = e.st.Apply(ctx, rd.changes)
	}()
	return w
}

func scheduleSuffix(entrance bool) string {
	if entrance {
		return ".entrance"
	}
	return ""
}

// runPage decides a scheduled firing for the player i of a page.
func (e *Engine) runPage(ctx context.Context, r *runtime.Rule, entrance bool, ps []store.Player, f schedule.Firing, hash string) func(i int) (store.Change, []*Outcome, error) {
	var buf []byte // the encodings of a player's state before and after its firing
	inZone := r.Trigger.PlayerZone
	if entrance {
		inZone = r.Entrance.PlayerZone
	}
	return func(i int) (store.Change, []*Outcome, error) {
		var ch store.Change
		p, err := e.load(ctx, ps[i].ID, f.At)
		if err != nil {
			return ch, nil, err
		}
		if !p.meta.First.Before(f.At) || inZone && !p.meta.ZoneSince.Before(f.At) {
			// The player came at or after the firing, or moved into the
			// zone then: a firing missed in a zone new to the schedule,
			// or run late, is not theirs. At the firing's very instant
			// too, as when it runs on time: what falls due at an event's
			// time fires before the event is handled.
			return ch, nil, nil
		}
		st := p.rule(r.Name)
		var outs []*Outcome
		if entrance {
			if !st.EnteredAt.IsZero() || st.Entered == hash {
				return ch, nil, nil
			}
			st.Entered = hash
			p.dirty[r.Name] = true
			ok := true
			if r.HasSegment {
				ok, err = e.prog.Holds(ctx, r.Name, runtime.CondSegment, e.alone(p, f.At))
				if err != nil && !isCondError(err) {
					return ch, nil, err
				}
			}
			if ok {
				st.EnteredAt = f.At.UTC()
			}
		} else {
			if st.Run == hash {
				return ch, nil, nil // done before a restart
			}
			// A player the firing leaves as it was (no outcome, no
			// state changed: outside the segment) writes nothing: a run
			// resumed after a crash decides it again, as a player it had
			// not reached; most of a run's audience is so.
			var before []byte
			if len(p.dirty) == 0 {
				before = appendRuleState(buf[:0], st)
			}
			prev := st.Run
			st.Run = hash
			p.dirty[r.Name] = true
			fg := &firing{rule: r, p: p, hash: hash, trig: Trigger{Type: "schedule", Time: f.At, Firing: f.Key()}}
			o, err := e.fire(ctx, fg)
			if err != nil {
				return ch, nil, err
			}
			if o != nil && o.Reason == ReasonNotInSegment {
				o = nil // the run's audience is the segment: no outcome for the others
			}
			if o != nil {
				outs = append(outs, o)
			} else if before != nil && len(p.dirty) == 1 {
				st.Run = prev
				after := appendRuleState(before[len(before):], st)
				buf = before[:0]
				if bytes.Equal(before, after) {
					clear(p.dirty)
					return ch, nil, nil
				}
				st.Run = hash
			}
		}
		return ch, outs, e.finish(p, &ch, outs)
	}
}
