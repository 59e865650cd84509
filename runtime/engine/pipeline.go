package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/promoc/promoc/runtime/store"
)

// This file is the pipeline: the engine decides a batch while the store
// writes the batches before it. Deciding runs under the engine's lock, in
// the order the batches are submitted, on the players as cached, which
// hold the changes of the batches decided and not yet written (their
// speculative state); each batch is then written by a goroutine of its
// own that first waits for the batch before it, so the store's
// transactions come one at a time in submission order. A batch written
// whole and as decided is done without the lock.
//
// What a batch decided ahead rests on, and how a failure is undone:
//
//   - State rows: every change names the versions it read, which count the
//     writes of the batches before it (player.changed); a batch that lost
//     a conflict (another writer) was not written whole, so the engine
//     takes the lock, writes again what it lost (apply, from the store's
//     state), drops from the cache the players the later batches decided,
//     and decides those batches again, in order, before any new batch is
//     decided. They are never written as first decided.
//   - A batch whose transaction failed (the database, the context, an
//     event refused by the store): its caller gets the error, the cache is
//     dropped, and every later batch in flight is written nothing of and
//     fails with [ErrAborted]; Handle submits its events again. Until the
//     failed batch's caller is told (its wait returns the error), Submit
//     refuses every call with ErrAborted: a caller that stops at its first
//     error never has a batch written after the one that failed.
//   - Event ids: a batch in flight keeps the ids it records; the checks of
//     a later batch take them as seen (the store does not have them yet),
//     and a batch decided again checks its ids again.
//   - Budgets: the mirror (decide.go) carries the reservations of the
//     batches in flight; it is read again from the store only when no
//     batch is in flight, and after a failure.
//   - Offers: an assignment is keyed by the firing's key, so a firing
//     decided again gets back the assignment it had (offer.go).
//   - Outcome sequence numbers are the store's, given as the batches are
//     written: in submission order.
//   - The cache never drops a player a batch in flight decided.
//
// Advance, NextDue, Prune, State and Recalculate wait for the batches in
// flight to be written before they run, and no batch is submitted while
// they run: the clock keeps its order with the batches around it. Advance
// does not when all it has due is a page of inactivity timers: the page is
// a batch in flight (advancepipe.go says what it rests on).

// ErrAborted is the error of a batch that was submitted after a batch that
// failed and was written nothing of: it was decided on what the failed
// batch would have written. Submitting its events again decides them
// from the stored state; [Engine.Handle] does so. [Engine.Submit] also
// returns it, submitting nothing, until the failed batch's caller is told
// (its wait returns).
var ErrAborted = errors.New("engine: not written: an earlier batch in flight failed; submit the events again")

// aborted is an ErrAborted: its cause, and told, closed when the failed
// batch's caller is told of its failure (Handle waits for it before it
// submits again).
type aborted struct {
	cause error
	told  <-chan struct{}
}

func (a *aborted) Error() string { return fmt.Sprintf("%v (%v)", ErrAborted, a.cause) }
func (a *aborted) Unwrap() error { return ErrAborted }

// panicked is the failure of a batch whose writing panicked.
type panicked struct{ value any }

func (p *panicked) Error() string {
	return fmt.Sprintf("engine: writing the batch panicked: %v", p.value)
}

// batch is a part of a call, decided and written as one store transaction.
type batch struct {
	ctx    context.Context
	in     []*incoming
	offset int // the index of in[0] in its call
	// What deciding gave: the changes, the outcomes of each, the event of
	// each, and the (player, id) → hash of the events it records.
	changes []store.Change
	decided [][]*Outcome
	owners  []*incoming
	keys    map[[2]string]string
	// prev is the batch submitted before it, written first; writing is
	// closed once prev is done (the store takes this batch next, or it is
	// not written: aborted, failed); done is closed when the batch is
	// written or failed.
	prev    *batch
	writing chan struct{}
	done    chan struct{}
	// aborted: a batch before it failed; set under the engine's lock
	// before prev's done is closed.
	aborted bool
	out     []Outcome
	err     error
	// timers, when set, makes the batch Advance's page of inactivity
	// timers (advancepipe.go): no events, the timers fired instead.
	timers *timerPage
}

// finished says whether the batch is written or failed.
func (b *batch) finished() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// inFlight says whether a batch in flight decided the player's cached
// state: the store does not have it yet.
func (p *player) inFlight() bool {
	if p.written == nil {
		return false
	}
	select {
	case <-p.written:
		return false
	default:
		return true
	}
}

// closed is the done of a batch written at once (apply's).
var closed = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// ticket is a call submitted: its batches in order (the last one, when
// the submission stopped early, carries why and is not written), and an
// error that stopped it before any batch.
type ticket struct {
	e       *Engine
	batches []*batch
	err     error
	// seen marks the events of the call handled before it (not those
	// repeated within it); nil when none was.
	seen []bool
}

// wait gives the outcomes of the call's batches, in order, as they are
// written; it stops at the first batch that failed.
func (t *ticket) wait() ([]Outcome, error) {
	var out []Outcome
	for i, b := range t.batches {
		<-b.done
		out = append(out, b.out...)
		if b.err != nil {
			t.e.tell(t.batches[i:]) // the call's caller is told, of all that follow too
		}
		if p, ok := b.err.(*panicked); ok {
			panic(p.value)
		}
		if b.err != nil {
			return out, b.err
		}
	}
	return out, t.err
}

// resume is the index in the call of the first event of a batch that was
// aborted: from there the call is submitted again.
func (t *ticket) resume() int {
	for _, b := range t.batches {
		if b.aborted {
			return b.offset
		}
	}
	return 0 // not reached: an ErrAborted call has an aborted batch
}

// Submit checks events and decides them, in batches of Options.BatchSize,
// and hands each batch to be written after the batches submitted before
// it; it returns once the call is decided, without waiting for the store.
// wait returns the call's outcomes in order when its batches are written
// (durable as the store's Apply is), or the error of the first that
// failed: an *EventError, the store's error, or [ErrAborted] for a batch
// written nothing of because a batch before it failed (submit its events
// again). Events are checked as by [Engine.Handle], against the store and
// the batches in flight: a bad event makes Submit return its error and
// submit nothing of the call.
//
// At most Options.InFlight batches are decided and not yet written:
// Submit waits for a place. When a batch fails, the batches in flight
// after it are written nothing of (ErrAborted), and Submit refuses every
// call with ErrAborted until the failed batch's wait returns: a caller
// that stops at its first error never has a batch written after the one
// that failed. So call every wait Submit returns: a failed call whose
// wait is never called keeps the engine refusing calls. A call aborted
// and never waited for holds nothing.
func (e *Engine) Submit(ctx context.Context, events []Event) (wait func() ([]Outcome, error), err error) {
	t, err := e.submit(ctx, events)
	if err != nil {
		return nil, err
	}
	return t.wait, nil
}

// SubmitSeen is [Engine.Submit], and says which of the events were
// handled before the call, as [Engine.HandleSeen] does (seen[i]; nil when
// none was).
func (e *Engine) SubmitSeen(ctx context.Context, events []Event) (wait func() ([]Outcome, error), seen []bool, err error) {
	t, err := e.submit(ctx, events)
	if err != nil {
		return nil, nil, err
	}
	return t.wait, t.seen, nil
}

// Handle runs events through the rules and stores what they change, in
// batches of Options.BatchSize events per store transaction. The events of
// one player must come in the order they happened (within the lateness
// bound); players may interleave. It returns the new outcomes, in order,
// once they are stored.
//
// An event already handled (the same id for the player, the same content)
// gives nothing: hosts deliver at least once. Events are checked before
// anything is written: an unknown kind, an attribute of the wrong type, an
// id seen before with other content or an event older than the player's
// latest beyond the lateness bound makes Handle return an *EventError and
// store nothing of the call. An error of the store's stops the call: Handle
// returns the outcomes of the batches written before it, and the error.
//
// Handle is [Engine.Submit] and its wait; the batches of a long call, and
// calls from several goroutines, are decided while those before them are
// written. A batch aborted because one before it failed is submitted
// again.
func (e *Engine) Handle(ctx context.Context, events []Event) ([]Outcome, error) {
	return e.handle(ctx, events, nil)
}

// HandleSeen is [Engine.Handle], and says which of the events were
// handled before the call (seen[i]): recorded in the store, or decided in
// a batch of an earlier call. Such an event gives no outcome now; a host
// that answers with the outcomes of the events it was sent (a retry after
// a crash) reads theirs from the store (store.EventOutcomes). An event
// repeated within the call is not marked: its outcomes are the call's;
// only when a batch of the call was aborted and its events submitted
// again may such an event be marked (written by the call's first part),
// which costs the host a read, never an outcome.
func (e *Engine) HandleSeen(ctx context.Context, events []Event) (out []Outcome, seen []bool, err error) {
	seen = make([]bool, len(events))
	out, err = e.handle(ctx, events, seen)
	return out, seen, err
}

// handle is Handle; seen, when not nil, gets the events handled before
// the call marked. A call aborted is submitted again after a backoff
// (resubmitWait), at most maxRetries times.
func (e *Engine) handle(ctx context.Context, events []Event, seen []bool) ([]Outcome, error) {
	var out []Outcome
	base := 0
	for try := 0; ; try++ {
		t, err := e.submit(ctx, events)
		if errors.Is(err, ErrAborted) && try < maxRetries {
			if err := e.untold(ctx, err); err != nil {
				return out, err
			}
			e.resubmitWait(ctx, try+1)
			continue // refused while a failure was untold: nothing submitted
		}
		if err != nil {
			var ee *EventError
			if errors.As(err, &ee) {
				ee.Index += base
			}
			return out, err
		}
		if seen != nil {
			// A part submitted again after an abort may find events of
			// the call written by its first part: marked too, which
			// costs the host a read, never an outcome.
			for i, s := range t.seen {
				seen[base+i] = seen[base+i] || s
			}
		}
		got, err := t.wait()
		out = append(out, got...)
		if !errors.Is(err, ErrAborted) || try == maxRetries {
			var ee *EventError
			if errors.As(err, &ee) {
				ee.Index += base
			}
			return out, err
		}
		if err := e.untold(ctx, err); err != nil {
			return out, err
		}
		e.resubmitWait(ctx, try+1)
		from := t.resume()
		events, base = events[from:], base+from
	}
}

// submit checks a call and decides its batches.
func (e *Engine) submit(ctx context.Context, events []Event) (*ticket, error) {
	e.order.Lock()
	defer e.order.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.failed != nil {
		return nil, &aborted{cause: e.failed.err, told: e.told}
	}
	e.sweep()
	in, err := e.check(ctx, events)
	if err != nil {
		return nil, err
	}
	t := &ticket{e: e}
	for i, x := range in {
		if x.dup {
			e.dups.Add(1)
			if !x.callDup {
				if t.seen == nil {
					t.seen = make([]bool, len(in))
				}
				t.seen[i] = true
			}
		}
	}
	epoch := e.epoch
	// stop ends the call at its event start with err. With batches of
	// the call in flight, the call's wait gives err after their outcomes,
	// and until then no call is taken (aborted: err is the ErrAborted of
	// a failure told elsewhere).
	stop := func(err error, start int, abort bool) {
		if len(t.batches) == 0 {
			t.err = err
			return
		}
		f := &batch{offset: start, done: closed, err: err, aborted: abort}
		t.batches = append(t.batches, f)
		if !abort && e.failed == nil {
			e.failed, e.told = f, make(chan struct{})
		}
	}
	for start := 0; start < len(in); start += e.opts.BatchSize {
		part := in[start:min(start+e.opts.BatchSize, len(in))]
		if err := e.place(ctx); err != nil {
			stop(err, start, false)
			break
		}
		if e.epoch != epoch {
			// A batch in flight lost or failed while this call waited for a
			// place: check the rest again against the store.
			if slices.ContainsFunc(t.batches, func(b *batch) bool { return b.aborted || b.err != nil }) {
				<-e.slots
				stop(fmt.Errorf("%w (a batch of the same call failed)", ErrAborted), start, true)
				break
			}
			epoch = e.epoch
			if err := e.seen(ctx, part, start, e.flying(nil)); err != nil {
				<-e.slots
				stop(err, start, false)
				break
			}
		}
		b := &batch{ctx: ctx, in: part, offset: start, prev: e.last, writing: make(chan struct{}), done: make(chan struct{})}
		if err := e.decideBatch(ctx, b); err != nil {
			// The players b decided hold what was not written: once the
			// batches before it are written, start again from the store.
			<-e.slots
			e.mu.Unlock()
			if b.prev != nil {
				<-b.prev.done
			}
			e.mu.Lock()
			clear(e.players)
			e.budgets = nil
			e.epoch++
			stop(err, start, false)
			break
		}
		e.flight = append(e.flight, b)
		e.last = b
		e.writing.Store(&b.writing)
		t.batches = append(t.batches, b)
		go e.commit(b)
	}
	if len(t.batches) == 0 && t.err != nil {
		return nil, t.err
	}
	return t, nil
}

// Writing returns a channel that is closed once the store has begun to
// write every batch submitted so far (or they are done, or will never be
// written: aborted, failed): no batch decided waits behind another for the
// store's writer. A host that has a call outstanding and events waiting
// submits them when it is closed, so that they are decided while the
// store writes the call before them, and written next; submitted at once,
// they would make a transaction of the few events that came while the
// call before was decided, which waits for the writer all the same (and
// costs a commit of its own); submitted after the call before is written,
// their deciding would add to their wait. With two calls outstanding at
// most, the call before is always taken by then, unless another caller's
// batch is before it; with more, or several callers, it is not. The
// engine benchmark's paced host (bench, PacedRun) feeds the engine so. It
// does not wait for the engine's lock (a call being decided, Advance).
func (e *Engine) Writing() <-chan struct{} {
	if w := e.writing.Load(); w != nil {
		return *w
	}
	return closed
}

// place waits, the lock released, until fewer than Options.InFlight
// batches are in flight, and takes a place; commit gives it back.
func (e *Engine) place(ctx context.Context) error {
	select {
	case e.slots <- struct{}{}:
		return nil
	default:
	}
	e.mu.Unlock()
	defer e.mu.Lock()
	select {
	case e.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sweep drops the batches written from the list of those in flight; with
// none in flight, the budgets are read again from the store.
func (e *Engine) sweep() {
	i := 0
	for i < len(e.flight) && e.flight[i].finished() {
		i++
	}
	e.flight = append(e.flight[:0], e.flight[i:]...)
	if len(e.flight) == 0 {
		e.budgets = nil // as the store has them now
	}
}

// flying lists the batches in flight before b (all, when b is nil) that
// were not aborted.
func (e *Engine) flying(b *batch) []*batch {
	var out []*batch
	for _, f := range e.flight {
		if f == b {
			break
		}
		if !f.aborted {
			out = append(out, f)
		}
	}
	return out
}

// commit writes a batch after the batch before it, then gives back its
// place.
func (e *Engine) commit(b *batch) {
	defer func() {
		close(b.done)
		if b.timers == nil || b.timers.placed {
			<-e.slots
		}
	}()
	defer func() {
		// A panic of the store's (a bug) is the batch's failure, raised
		// again by its wait, in the caller's goroutine, which may recover.
		if v := recover(); v != nil {
			e.mend(b, nil, &panicked{value: v})
		}
	}()
	if b.prev != nil {
		<-b.prev.done
		b.prev = nil // the batches written are not kept
	}
	close(b.writing)
	if b.aborted || b.err != nil || len(b.changes) == 0 {
		return
	}
	applied, err := e.st.Apply(b.ctx, b.changes)
	if err == nil && asDecided(b, applied) {
		var out []Outcome
		for i, a := range applied {
			out = e.written(out, b.decided[i], a)
		}
		b.out = out
		return
	}
	e.mend(b, applied, err)
}

// asDecided says whether the store wrote every change of b as decided:
// none lost, none a duplicate, each state at the version it was predicted
// at.
func asDecided(b *batch, applied []store.Applied) bool {
	if len(applied) != len(b.changes) {
		return false
	}
	for i, a := range applied {
		if a.Err != nil || a.Duplicate || len(a.Versions) != len(b.changes[i].States) {
			return false
		}
		for j, s := range b.changes[i].States {
			if a.Versions[j] != s.Version+1 {
				return false
			}
		}
	}
	return true
}

// mend handles a batch the store did not write as decided, under the
// engine's lock: what it lost is decided again from the stored state and
// written, and the batches in flight after it are decided again; or, when
// its transaction failed, the cache is dropped and they are aborted.
func (e *Engine) mend(b *batch, applied []store.Applied, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.epoch++
	e.budgets = nil
	var later []*batch
	if i := slices.Index(e.flight, b); i >= 0 {
		later = slices.Clone(e.flight[i+1:])
	}
	if err == nil {
		// The players the later batches decided hold their speculative
		// state: read them again once b is settled.
		for _, l := range later {
			for _, id := range l.decidedPlayers() {
				e.forget(id)
			}
		}
		if b.timers != nil {
			b.out, err = e.mendTimers(b, applied) // advancepipe.go
		} else {
			var retry []*incoming
			b.out, retry, err = e.absorb(b, applied)
			if err == nil && len(retry) > 0 {
				var more []Outcome
				more, err = e.apply(b.ctx, retry, 1)
				b.out = append(b.out, more...)
			}
		}
	}
	if err != nil {
		b.err = err
		e.abort(b, later)
		return
	}
	for i, l := range later {
		if err := e.redecide(l, later[:i]); err != nil {
			l.err = err
			e.abort(l, later[i+1:])
			return
		}
	}
}

// redecide checks and decides a batch in flight again, on the state as
// stored and as the batches before it decide; before are the batches in
// flight before it, not yet written (decided again first).
func (e *Engine) redecide(b *batch, before []*batch) error {
	e.redecided++
	if b.timers != nil {
		return e.redecideTimers(b, slices.DeleteFunc(slices.Clone(before), func(f *batch) bool { return f.aborted }))
	}
	if err := e.seen(b.ctx, b.in, b.offset, e.flying(b)); err != nil {
		return err
	}
	if err := e.prefetchFor(b.ctx, b.in); err != nil {
		return err
	}
	return e.decideBatch(b.ctx, b)
}

// abort marks the batches in flight after the failed batch b: nothing of
// them is written. The cache, which holds what they decided, is dropped,
// and Submit refuses calls until b's caller is told.
func (e *Engine) abort(b *batch, later []*batch) {
	clear(e.players)
	e.budgets = nil
	if e.failed == nil {
		e.failed, e.told = b, make(chan struct{})
	}
	for _, l := range later {
		l.aborted = true
		l.err = &aborted{cause: b.err, told: e.told}
	}
	e.flight = slices.DeleteFunc(e.flight, func(f *batch) bool { return f.aborted })
}

// tell records that the caller of bs was told of their failure: when the
// failed batch Submit waits to be told of is one of them, it takes calls
// again.
func (e *Engine) tell(bs []*batch) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.failed != nil && slices.Contains(bs, e.failed) {
		close(e.told)
		e.failed, e.told = nil, nil
	}
}

// untold waits, for an ErrAborted, until the failed batch's caller is
// told, so that the events can be submitted again.
func (e *Engine) untold(ctx context.Context, err error) error {
	var a *aborted
	if !errors.As(err, &a) || a.told == nil {
		return nil
	}
	select {
	case <-a.told:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// quiesce waits until every batch submitted is written and holds the
// engine, no batch submitted, until unlock: Advance, NextDue and the other
// calls that read or write the store outside of batches run so, in their
// order with the batches.
func (e *Engine) quiesce() (unlock func()) {
	e.order.Lock()
	e.mu.Lock()
	last := e.last
	e.mu.Unlock()
	if last != nil {
		<-last.done
	}
	e.mu.Lock()
	e.sweep()
	return func() {
		e.mu.Unlock()
		e.order.Unlock()
	}
}
