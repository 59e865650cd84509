package engine

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
)

// This file puts Advance in the pipeline when all it has to do is fire
// inactivity timers (the common case of a host's timer): it does not wait
// for the batches in flight, and its page of timers is a batch like
// Handle's, written after them, while the next call is decided.
//
// What the page rests on, and how it stays right:
//
//   - The due timers are the store's, with those the batches in flight set
//     or delete laid over them (each (player, rule) as the last batch in
//     flight leaves it): what the store will hold once they are written.
//     A batch in flight is written as decided or mended under the engine's
//     lock, which the page holds while it reads and decides; a batch
//     mended after that decides the page again (see mend), on the store
//     and the batches still in flight before it.
//   - Players are decided on the cache, which holds the batches in flight
//     (the page marks them, as a batch does, so that the cache keeps them);
//     the budget mirror carries the reservations of the batches in flight.
//   - Anything else due makes Advance wait for the batches in flight and
//     run as before (advanceQuiesced): a scheduled firing missed in a zone
//     (the zones of the players in flight counted), a schedule not in
//     service yet, a result waiting for approval past its timeout, a
//     batch in flight holding a result that times out, more due timers
//     than a page, or timers due with leases (Options.Lease: a job's lease
//     is held while its writes are made, which a page written later would
//     not be). With nothing due at all, Advance reads and writes nothing
//     more, and asks for no lease: another engine running a job has
//     something due, which takes this one the old way, to the lease.
//   - A page whose change lost to another writer is decided again from the
//     stored state (decideItems), as Advance did; a page written nothing
//     of because a batch before it failed is ErrAborted, and Advance runs
//     again.

// errQuiesce says that Advance has more to do than a page of timers, and
// runs with the batches in flight written.
var errQuiesce = errors.New("engine: advance waits for the batches in flight")

// timerPage is what a batch of Advance's timers holds beside a batch's
// changes: the clock, the timers fired and how each is decided, and the
// round as decided (for mend).
type timerPage struct {
	now    time.Time
	placed bool // it took a place in flight (submitAdvance)
	timers []store.Timer
	decide func(i int) (store.Change, []*Outcome, error)
	round  itemRound
}

// SubmitAdvance is [Engine.Advance] submitted as [Engine.Submit] submits
// events: when all that is due at now is a page of inactivity timers, it
// decides them on the state the batches in flight leave, hands them to be
// written after those batches, and returns without waiting for the store;
// wait gives the outcomes once written. Otherwise it runs Advance at once,
// and wait gives what it gave. Calls submitted after it are decided while
// its page is written. As Submit, it refuses with [ErrAborted] while a
// failed batch's caller is not told, and its wait gives ErrAborted when a
// batch before its page failed: call it again.
func (e *Engine) SubmitAdvance(ctx context.Context, now time.Time) (wait func() ([]Outcome, error), err error) {
	if err := e.serveInactivity(ctx, now); err != nil { // inactiveservice.go
		return nil, err
	}
	t, err := e.submitAdvance(ctx, now)
	if errors.Is(err, errQuiesce) {
		out, err := e.advanceQuiesced(ctx, now)
		if err != nil {
			return nil, err
		}
		return func() ([]Outcome, error) { return out, nil }, nil
	}
	if err != nil {
		return nil, err
	}
	return t.wait, nil
}

// submitAdvance submits Advance's page of timers, or says errQuiesce.
func (e *Engine) submitAdvance(ctx context.Context, now time.Time) (*ticket, error) {
	e.order.Lock()
	defer e.order.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.failed != nil {
		return nil, &aborted{cause: e.failed.err, told: e.told}
	}
	// A page takes no place among the batches in flight unless another
	// page is in flight: the next call is decided while the batch before
	// the page and the page are written (a page is small beside a batch),
	// and a host that submits the clock again and again waits for places.
	e.sweep()
	placed := slices.ContainsFunc(e.flight, func(b *batch) bool { return b.timers != nil && !b.finished() })
	if placed {
		if err := e.place(ctx); err != nil {
			return nil, err
		}
		e.sweep() // place lets the lock go while it waits
	}
	unplace := func() {
		if placed {
			<-e.slots
		}
	}
	before := e.flying(nil)
	ok, err := e.onlyTimers(ctx, now, before)
	if err == nil && ok {
		var full bool
		var ts []store.Timer
		ts, full, err = e.dueOver(ctx, now, before, e.opts.PageSize)
		ok = !full
		if err == nil && ok && len(ts) == 0 {
			unplace()
			return &ticket{e: e}, nil // nothing due: nothing written, no lease asked for
		}
		// With leases, a job's lease is held while its writes are made:
		// a page written later would be written without it.
		ok = ok && e.opts.Lease == nil
		if err == nil && ok {
			b := &batch{ctx: ctx, prev: e.last, writing: make(chan struct{}), done: make(chan struct{}),
				timers: &timerPage{now: now, placed: placed}}
			if err := e.decideTimers(ctx, b, ts); err != nil {
				// The players decided hold what was not written: once the
				// batches before are written, start again from the store.
				unplace()
				e.mu.Unlock()
				if b.prev != nil {
					<-b.prev.done
				}
				e.mu.Lock()
				clear(e.players)
				e.budgets = nil
				e.epoch++
				return nil, err
			}
			e.flight = append(e.flight, b)
			e.last = b
			e.writing.Store(&b.writing)
			go e.commit(b)
			return &ticket{e: e, batches: []*batch{b}}, nil
		}
	}
	unplace()
	if err != nil {
		return nil, err
	}
	return nil, errQuiesce
}

// onlyTimers says whether nothing but inactivity timers can be due at
// now, with the batches before in flight: no result waiting for approval
// times out, no schedule is to be put into service or has a firing missed
// in a zone of the stored players or of those in flight.
func (e *Engine) onlyTimers(ctx context.Context, now time.Time, before []*batch) (bool, error) {
	for _, r := range e.rules {
		if r.Trigger.Kind == runtime.EventInactive {
			if ok, err := e.inactiveServed(ctx, r); err != nil || !ok {
				return false, err // not in service yet: Advance puts it
			}
		}
	}
	zonesInFlight := map[string]bool{}
	for _, b := range before {
		for _, ch := range b.changes {
			for _, o := range ch.Outcomes {
				if o.Status == store.Waiting && !o.Expires.IsZero() {
					return false, nil // a result in flight that times out
				}
			}
			for _, p := range ch.Players {
				zonesInFlight[p.Zone] = true
			}
		}
	}
	if x, ok := e.st.(store.Expiries); ok {
		q, err := x.Overdue(ctx, now, 1)
		if err != nil || len(q) > 0 {
			return false, err
		}
		for _, t := range e.expiring {
			q, err := x.Expiring(ctx, t.rule.Name, t.action, now.Add(-t.within), 1)
			if err != nil || len(q) > 0 {
				return false, err
			}
		}
	}
	for r, ev := range scheduled(e.rules) {
		ss, _, err := e.scheduleState(ctx, r, ev)
		if err != nil || ss.Since.IsZero() {
			return false, err // not in service yet: Advance writes that
		}
		zones, err := e.zones(ctx, ev)
		if err != nil {
			return false, err
		}
		if ev.PlayerZone {
			for z := range zonesInFlight {
				if !slices.Contains(zones, z) {
					zones = append(zones, z)
				}
			}
		}
		for _, z := range zones {
			loc, err := zoneLoc(z)
			if err != nil {
				return false, nil // Advance reports it
			}
			last := ss.Last[z]
			if last.IsZero() {
				last = ss.Since
			}
			if _, missed := ev.Schedule.Missed(last, now, loc); missed {
				return false, nil
			}
		}
	}
	return true, nil
}

// dueOver lists the timers due at or before now as the store will hold
// them once the batches before are written: the store's, less those the
// batches set again or delete, with those they set that are due; in the
// store's order (due, player, rule). With limit above 0, full says that
// the store had limit due or more (the list is not whole); with 0 it
// reads them all.
func (e *Engine) dueOver(ctx context.Context, now time.Time, before []*batch, limit int) (ts []store.Timer, full bool, err error) {
	n := limit
	if n <= 0 {
		n = e.opts.PageSize
	}
	for {
		ts, err = e.st.Due(ctx, now, n)
		if err != nil {
			return nil, false, err
		}
		if len(ts) < n {
			break
		}
		if limit > 0 {
			return nil, true, nil
		}
		n *= 2
	}
	over := map[[2]string]time.Time{}
	for _, b := range before {
		for _, ch := range b.changes {
			for _, t := range ch.Timers {
				over[[2]string{t.Player, t.Rule}] = t.Due
			}
		}
	}
	if len(over) == 0 {
		return ts, false, nil
	}
	ts = slices.DeleteFunc(ts, func(t store.Timer) bool {
		_, ok := over[[2]string{t.Player, t.Rule}]
		return ok
	})
	added := false
	for k, due := range over {
		if !due.IsZero() && !due.After(now) {
			ts = append(ts, store.Timer{Player: k[0], Rule: k[1], Due: due})
			added = true
		}
	}
	if added {
		slices.SortFunc(ts, func(a, b store.Timer) int {
			if c := a.Due.Compare(b.Due); c != 0 {
				return c
			}
			if a.Player != b.Player {
				if a.Player < b.Player {
					return -1
				}
				return 1
			}
			if a.Rule < b.Rule {
				return -1
			} else if a.Rule > b.Rule {
				return 1
			}
			return 0
		})
	}
	return ts, false, nil
}

// decideTimers decides a page of timers as batch b: its changes and
// outcomes, its players marked as decided by b.
func (e *Engine) decideTimers(ctx context.Context, b *batch, ts []store.Timer) error {
	tp := b.timers
	tp.timers = ts
	tp.decide = e.timerItem(ctx, ts, b.done)
	all := make([]int, len(ts))
	for i := range all {
		all[i] = i
	}
	rd, err := e.decideRound(all, tp.decide)
	if err != nil {
		return err
	}
	tp.round = rd
	b.changes, b.decided = rd.changes, rd.decided
	return nil
}

// redecideTimers decides a page of timers in flight again, after a batch
// before it was mended: on the store and the batches before it still in
// flight (before).
func (e *Engine) redecideTimers(b *batch, before []*batch) error {
	ts, _, err := e.dueOver(b.ctx, b.timers.now, before, 0)
	if err != nil {
		return err
	}
	return e.decideTimers(b.ctx, b, ts)
}

// mendTimers takes what the store did with a page of timers that was not
// written as decided: the outcomes written, and the timers whose change
// lost to another writer decided again from the stored state and written.
func (e *Engine) mendTimers(b *batch, applied []store.Applied) ([]Outcome, error) {
	out, retry, err := e.absorbRound(nil, b.timers.round, applied)
	if err != nil || len(retry) == 0 {
		return out, err
	}
	more, err := e.decideItems(b.ctx, retry, 1, b.timers.decide)
	return append(out, more...), err
}

// decidedPlayers lists the players whose cached state a batch decided.
func (b *batch) decidedPlayers() []string {
	var out []string
	for _, x := range b.owners {
		out = append(out, x.ev.Player)
	}
	if b.timers != nil {
		for _, t := range b.timers.timers {
			out = append(out, t.Player)
		}
	}
	return out
}
