package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
)

// maxRetries bounds the submissions of a call whose batch was aborted
// (a batch before it failed). Each waits a backoff first (at most
// 2^try × 100 µs, random): a call that keeps losing its batches to
// failures before them waits about 51 ms at most in all, rather than
// submitting again in step with them.
const maxRetries = 8

// maxRaceRounds bounds the rounds of a change that lost to another writer:
// of apply (events), of decideItems (timers, the players of a scheduled
// run, Advance) and of a schedule's bookkeeping (fired). Engines on one
// database lose to each other round after round when each decides again
// at once (two servers, thirty requests each for one player, lost 8
// rounds in a row one run in ten); a wait of a random length before each
// round after a loss (backoff) parts them.
const maxRaceRounds = 16

// backoff waits before round, after round losses to other writers: a
// random time below 2^round × 100 µs (at most 25.6 ms from round 8), so
// that engines racing for one player do not decide again in step.
func backoff(ctx context.Context, round int) {
	if round <= 0 {
		return
	}
	d := rand.N(backoffMax(round))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// backoffMax bounds the wait of backoff before round (> 0): 2^round ×
// 100 µs, at most 25.6 ms.
func backoffMax(round int) time.Duration {
	return time.Duration(1<<min(round, 8)) * 100 * time.Microsecond
}

// incoming is an event checked and encoded, ready to decide.
type incoming struct {
	ev   Event
	tx   runtime.Transaction
	body []byte // its body as sent
	hash []byte // the hash of its meaning, with its currency as sent (meaning.go)
	dup  bool   // seen before with the same content
	// callDup: the same event came earlier in the same call (a dup that
	// stays one when the batch is checked again, see pipeline.go)
	callDup bool
	// twin: 1 + the index in the call of an earlier event of the same id
	// and meaning that left implied the currency this one names; 0 for
	// none. It is that event when its currency is this one's (found when
	// the call is checked, once the player's currency there is known).
	twin int
}

// orNone is s, or "none" for "".
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// same reports whether recorded, the hash recorded with x's id, is x's.
func (x *incoming) same(recorded []byte) bool { return sameEvent(x, recorded) }

// check validates the events and finds those seen before.
func (e *Engine) check(ctx context.Context, events []Event) ([]*incoming, error) {
	in := make([]*incoming, len(events))
	all := make([]incoming, len(events)) // one allocation for the call
	firstOf := make(map[[2]string]int, len(events))
	// The currency a transaction sent without one is recorded in, for
	// those a later event of the call names one of (a twin).
	var recordedIn map[int]string
	for i := range events {
		ev := events[i]
		ev.Time = ev.Time.UTC() // outcomes, anchors and states are in UTC
		x := &all[i]
		x.ev = ev
		if err := e.validate(&x.ev, &x.tx); err != nil {
			err.Index = i
			if err.ID == "" {
				err.ID = ev.ID
			}
			return nil, err
		}
		x.body = x.ev.body()
		var kind runtime.Kind
		if x.ev.Kind != KindPlayer {
			kind, _ = e.prog.Kind(x.ev.Kind) // checked by validate
		}
		x.hash = meaningHash(&x.ev, kind, x.ev.Currency)
		k := [2]string{ev.Player, ev.ID}
		if j, ok := firstOf[k]; ok {
			switch {
			case sameEvent(x, in[j].hash):
				x.dup, x.callDup = true, true
			case x.ev.Kind != KindPlayer && len(x.hash) > meaningLen && bytes.Equal(in[j].hash, x.hash[:meaningLen]):
				// In the currency the first is recorded in, maybe: as the
				// store knows it, or as the call's check finds it below.
				x.twin = j + 1
				if recordedIn == nil {
					recordedIn = map[int]string{}
				}
				recordedIn[j] = "" // until known
			default:
				return nil, &EventError{Index: i, ID: ev.ID, Field: "id", Msg: fmt.Sprintf("the id comes twice with other content (events %d and %d of the call): an event id names one event", j, i)}
			}
		} else {
			firstOf[k] = i
		}
		in[i] = x
	}
	if err := e.seen(ctx, in, 0, e.flying(nil)); err != nil {
		return nil, err
	}
	if err := e.prefetchFor(ctx, in); err != nil {
		return nil, err
	}
	// Lateness, against the players' latest events, stored or in the call;
	// and the currency of a transaction, against the player's (the engine
	// takes no conversion rates, so another is an input error).
	type known struct {
		latest   time.Time
		currency string
		zone     string
		own      map[string]any // the properties named as the player's fields (ownProps)
	}
	players := map[string]known{}
	for i, x := range in {
		if x.twin > 0 && x.callDup {
			if c := recordedIn[x.twin-1]; c != x.ev.Currency {
				return nil, &EventError{Index: i, ID: x.ev.ID, Field: "id", Msg: fmt.Sprintf("the id comes twice with other content (events %d and %d of the call: in %s, and in the player's currency, %s): an event id names one event",
					x.twin-1, i, x.ev.Currency, orNone(recordedIn[x.twin-1]))}
			}
		}
		if x.dup {
			continue
		}
		k, ok := players[x.ev.Player]
		if !ok {
			p, err := e.load(ctx, x.ev.Player, x.ev.Time)
			if err != nil {
				return nil, err
			}
			k = known{p.meta.Latest, p.meta.Currency, p.meta.Zone, ownProps(p.meta.Props, nil)}
		}
		l := k.latest
		if !l.IsZero() && x.ev.Time.Before(l.Add(-e.opts.Lateness)) {
			return nil, &EventError{Index: i, ID: x.ev.ID, Field: "time", Msg: fmt.Sprintf("%s is older than the player's latest event (%s) by more than the lateness bound of %s",
				x.ev.Time.UTC().Format(time.RFC3339Nano), l.UTC().Format(time.RFC3339Nano), e.opts.Lateness)}
		}
		if x.ev.Kind != KindPlayer && x.ev.Time.After(l) {
			k.latest = x.ev.Time // as playerMeta.saw: a change of data is not activity
		}
		if _, ok := recordedIn[i]; ok {
			recordedIn[i] = k.currency
		}
		cur := k.currency
		switch c := x.ev.Currency; {
		case c == "":
		case x.ev.Kind == KindPlayer || k.currency == "":
			k.currency = c // as playerMeta.update, and a new player's first currency
		case c != k.currency:
			return nil, &EventError{Index: i, ID: x.ev.ID, Field: "currency", Msg: fmt.Sprintf("%s differs from the player's currency %s: the engine takes no conversion rates; send the amount in %s, or change the player's currency first",
				c, k.currency, k.currency)}
		}
		if x.ev.Kind == KindPlayer {
			if x.ev.Zone != "" {
				k.zone = x.ev.Zone
			}
			k.own = ownProps(k.own, x.ev.Properties)
		}
		if x.ev.Kind == KindPlayer || k.currency != cur {
			// A property currency, zone or id must not contradict the
			// player's field as this event leaves them, the stored data
			// and the call's events before it merged: refused here, before
			// anything of the call is written, not when a reward runs. A
			// transaction gives a player without a currency its first,
			// which a stored property currency may contradict too.
			pl := runtime.Player{ID: x.ev.Player, Currency: k.currency, Zone: k.zone, Properties: k.own}
			if ie := pl.OwnFieldsError(); ie != nil {
				name := ie.Path[len(ie.Path)-1].Key // player.properties.NAME
				field := "properties." + name
				if x.ev.Properties[name] == nil {
					field = name // the event changed the field, not the property
				}
				return nil, &EventError{Index: i, ID: x.ev.ID, Field: field, Msg: ie.Msg}
			}
		}
		players[x.ev.Player] = k
	}
	return in, nil
}

// idFault is the error of an id (the event's, its player's) that
// store.IDFault refuses, nil for one it takes.
func idFault(field, id string) *EventError {
	if fault := store.IDFault(id); fault != "" {
		return &EventError{Field: field, Msg: strconv.QuoteToASCII(id) + ": " + fault}
	}
	return nil
}

// ownProps is the properties of props named as the player's own fields
// (runtime.Player.OwnFieldsError), updated by those of a player event
// (nil removes one): a new map, nil when none is left.
func ownProps(props, update map[string]any) map[string]any {
	var out map[string]any
	for _, name := range runtime.OwnFieldNames {
		v, ok := update[name]
		if !ok {
			v = props[name]
		}
		if v == nil {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[name] = v
	}
	return out
}

// seen marks the events of in (at offset in their call) handled before:
// recorded in the store, or decided in a batch in flight (before), not yet
// written. An id handled before with other content is an *EventError.
// Events that repeat an earlier one of the call stay duplicates.
func (e *Engine) seen(ctx context.Context, in []*incoming, offset int, before []*batch) error {
	q := make([]store.Event, 0, len(in))
	at := make([]int, 0, len(in))
	pending := false
	for i, x := range in {
		if x.callDup {
			continue
		}
		x.dup = false
		k := [2]string{x.ev.Player, x.ev.ID}
		for _, b := range before {
			if h, ok := b.keys[k]; ok {
				if !sameEvent(x, []byte(h)) {
					return &EventError{Index: offset + i, ID: x.ev.ID, Field: "id", Msg: "the id was handled before with other content: an event id names one event"}
				}
				x.dup = true
			}
		}
		if !x.dup {
			pending = pending || x.twin > 0
			q = append(q, store.Event{Player: x.ev.Player, ID: x.ev.ID, Hash: x.hash, Same: x.same})
			at = append(at, i)
		}
	}
	// One query per few thousand events: which were handled before.
	const chunk = 2000
	for start := 0; start < len(q); start += chunk {
		end := min(start+chunk, len(q))
		seen, err := e.st.Seen(ctx, q[start:end])
		if err != nil {
			return err
		}
		for i, s := range seen {
			x := in[at[start+i]]
			switch s {
			case store.SeenSame:
				x.dup = true
			case store.SeenOther:
				return &EventError{Index: offset + at[start+i], ID: x.ev.ID, Field: "id", Msg: "the id was handled before with other content: an event id names one event"}
			}
		}
	}
	if pending {
		// Twins not handled before: the same as their first, new, if its
		// currency is theirs (check compares them).
		for _, x := range in {
			if x.twin > 0 && !x.dup {
				x.dup, x.callDup = true, true
			}
		}
	}
	return nil
}

// prefetchFor reads the players of in that are not cached side by side,
// each as of its first event, as deciding would read them one by one.
func (e *Engine) prefetchFor(ctx context.Context, in []*incoming) error {
	var ids []string
	var nows []time.Time
	first := map[string]bool{}
	for _, x := range in {
		if !x.dup && !first[x.ev.Player] && e.players[x.ev.Player] == nil {
			first[x.ev.Player] = true
			ids, nows = append(ids, x.ev.Player), append(nows, x.ev.Time)
		}
	}
	return e.prefetch(ctx, ids, nows)
}

// validate checks an event against the program's kinds and fills tx, the
// transaction rewards read.
func (e *Engine) validate(ev *Event, tx *runtime.Transaction) *EventError {
	switch {
	case ev.ID == "":
		return &EventError{Field: "id", Msg: "missing: every event has an id"}
	case len(ev.ID) > limits.StringBytes:
		return &EventError{Field: "id", Msg: "longer than " + strconv.Itoa(limits.StringBytes) + " bytes"}
	case ev.Player == "":
		return &EventError{Field: "player", Msg: "missing: every event names its player"}
	case len(ev.Player) > limits.StringBytes:
		return &EventError{Field: "player", Msg: "longer than " + strconv.Itoa(limits.StringBytes) + " bytes"}
	}
	if err := idFault("id", ev.ID); err != nil {
		return err
	}
	if err := idFault("player", ev.Player); err != nil {
		return err
	}
	switch {
	case ev.Time.IsZero():
		return &EventError{Field: "time", Msg: "missing: every event has a time"}
	case ev.Time.Before(limits.MinTime) || !ev.Time.Before(limits.MaxTime):
		return &EventError{Field: "time", Msg: "outside the range of times, " + limits.MinTime.Format("2006-01-02") + " to " + limits.MaxTime.Format("2006-01-02")}
	}
	if ev.Kind == KindPlayer {
		if len(ev.Attrs) > 0 {
			return &EventError{Field: "kind", Msg: "a player event carries currency, zone and properties, not attributes"}
		}
		// The values are checked as the rewards read them. "" keeps the
		// player's currency: lend one the rule set serves, as for
		// transactions below.
		p := runtime.Player{ID: ev.Player, Currency: ev.Currency, Zone: ev.Zone, Properties: nonNull(ev.Properties)}
		checked := p
		if checked.Currency == "" {
			checked.Currency = e.lend
		}
		if err := e.one(checked, ev.Time, nil).Err(); err != nil {
			return inputError(err)
		}
		// And as the store keeps them: a value the player's record cannot
		// hold is refused here, before anything of the call is written.
		if _, err := runtime.EncodePlayer(p); err != nil {
			var ie *runtime.InputError
			if errors.As(err, &ie) {
				return &EventError{Field: ie.Field, Msg: ie.Msg}
			}
			return &EventError{Msg: err.Error()}
		}
		return nil
	}
	k, err := e.prog.Kind(ev.Kind)
	if err != nil {
		return &EventError{Field: "kind", Msg: fmt.Sprintf("unknown kind %q: an event is a declared kind or %q", ev.Kind, KindPlayer)}
	}
	for name := range ev.Attrs {
		if _, err := k.Attr(name); err != nil {
			for _, name := range sortedKeys(ev.Attrs) { // the first in order, as the error names it
				if _, err := k.Attr(name); err != nil {
					return &EventError{Field: name, Msg: fmt.Sprintf("%s has no attribute %s", ev.Kind, name)}
				}
			}
		}
	}
	if len(ev.Properties) > 0 || ev.Zone != "" {
		return &EventError{Field: "properties", Msg: "only a player event sets the player's properties or zone"}
	}
	*tx = runtime.Transaction{ID: ev.ID, Kind: ev.Kind, Time: ev.Time, Currency: ev.Currency, Attrs: ev.Attrs}
	// Checked as rewards read it; a player currency is needed only for
	// money without a currency of its own, so lend the event's, or one the
	// rule set serves.
	cur := ev.Currency
	if cur == "" {
		cur = e.lend
	}
	if err := e.one(runtime.Player{ID: ev.Player, Currency: cur}, ev.Time, tx).Err(); err != nil {
		return inputError(err)
	}
	return nil
}

func inputError(err error) *EventError {
	var ie *runtime.InputError
	if errors.As(err, &ie) {
		field := ie.Field
		if _, f, ok := cutField(field); ok {
			field = f
		}
		return &EventError{Field: field, Msg: ie.Msg}
	}
	return &EventError{Msg: err.Error()}
}

// cutField turns "transactions[0].amount" into "amount" and
// "player.properties.vip" into "properties.vip".
func cutField(f string) (string, string, bool) {
	for i := 0; i < len(f); i++ {
		if f[i] == '.' {
			return f[:i], f[i+1:], true
		}
	}
	return f, "", false
}

func nonNull(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

// apply decides events and writes them in one store transaction, from
// round on: a change that loses to another writer (a state written
// meanwhile, the event handled meanwhile) is decided again from the stored
// state, with the events of its player that follow it. The pipeline
// (pipeline.go) runs it, its batches in flight written, when a batch lost.
func (e *Engine) apply(ctx context.Context, todo []*incoming, round int) ([]Outcome, error) {
	var out []Outcome
	for ; len(todo) > 0; round++ {
		if round == maxRaceRounds {
			return out, fmt.Errorf("engine: event %q of player %q lost to other writers %d times", todo[0].ev.ID, todo[0].ev.Player, maxRaceRounds)
		}
		backoff(ctx, round)
		e.budgets = nil // as the store has them now
		b := &batch{in: todo, done: closed}
		if err := e.decideBatch(ctx, b); err != nil {
			return out, err
		}
		if len(b.changes) == 0 {
			break
		}
		applied, err := e.st.Apply(ctx, b.changes)
		if err != nil {
			// Nothing was written: what the cache holds is ahead of the store.
			clear(e.players)
			return out, err
		}
		got, retry, err := e.absorb(b, applied)
		out = append(out, got...)
		if err != nil {
			return out, err
		}
		todo = retry
	}
	return out, nil
}

// decideBatch decides the events of b that are not duplicates, in order,
// on the players as cached (with the changes of the batches in flight
// before it): b's changes, the outcomes of each and the events they
// record.
func (e *Engine) decideBatch(ctx context.Context, b *batch) error {
	b.changes = make([]store.Change, 0, len(b.in))
	b.decided = make([][]*Outcome, 0, len(b.in))
	b.owners = make([]*incoming, 0, len(b.in))
	b.keys = make(map[[2]string]string, len(b.in))
	for _, x := range b.in {
		if x.dup {
			continue
		}
		p, err := e.load(ctx, x.ev.Player, x.ev.Time)
		if err != nil {
			return err
		}
		p.written = b.done
		ch, outs, err := e.event(ctx, p, x)
		if err != nil {
			return err
		}
		b.changes = append(b.changes, ch)
		b.decided = append(b.decided, outs)
		b.owners = append(b.owners, x)
		b.keys[[2]string{x.ev.Player, x.ev.ID}] = string(ch.Event.Hash)
	}
	return nil
}

// absorb takes what the store did with a batch's changes: the outcomes
// written, settled, and the events to decide again, those of the players
// whose change lost to another writer (from that change on). Their players
// are dropped from the cache, to be read again as stored.
func (e *Engine) absorb(b *batch, applied []store.Applied) (out []Outcome, retry []*incoming, err error) {
	lost := map[string]bool{}
	for i, a := range applied {
		x := b.owners[i]
		pid := x.ev.Player
		if lost[pid] {
			retry = append(retry, x)
			continue
		}
		if a.Err != nil || a.Duplicate {
			// Another writer came first: start the player again from the
			// store, from this event (unless it is the one handled).
			e.forget(pid)
			lost[pid] = true
			if a.Err != nil {
				if !errors.Is(a.Err, store.ErrStateConflict) {
					return out, nil, a.Err
				}
				retry = append(retry, x)
			}
			continue
		}
		if p := e.players[pid]; p != nil && p.written == b.done {
			p.stored(b.changes[i].States, a.Versions)
		}
		out = e.written(out, b.decided[i], a)
	}
	return out, retry, nil
}

// written appends the outcomes of one change the store wrote, settled.
func (e *Engine) written(out []Outcome, decided []*Outcome, a store.Applied) []Outcome {
	for j, so := range a.Outcomes {
		if so.Repeat {
			continue // given before, by an earlier run of this trigger
		}
		o := decided[j]
		e.settle(o, so)
		out = append(out, *o)
	}
	return out
}

// settle takes what the store decided into an outcome: its sequence
// number and, when the budget or a suspension refused it, the skip.
func (e *Engine) settle(o *Outcome, so store.Outcome) {
	o.Seq = so.Seq
	refused := o.Refused
	o.Refused = nil
	if string(so.Status) == o.Status {
		return
	}
	o.Status, o.Reason, o.Detail = string(so.Status), so.Reason, ""
	if so.Status == store.Skipped {
		o.Detail = refusedDetail
		o.Messages = withReason(refused, so.Reason)
	}
}

// event decides one event of a player: the change to write and the
// outcomes in it.
func (e *Engine) event(ctx context.Context, p *player, x *incoming) (store.Change, []*Outcome, error) {
	ev := &x.ev
	ch := store.Change{Event: &store.Event{Player: ev.Player, ID: ev.ID, Hash: x.hash, Same: x.same, Kind: ev.Kind, At: ev.Time.UTC(), Body: x.body}}
	if ev.Kind != KindPlayer && ev.Currency == "" && p.meta.Currency != "" {
		// Recorded in the player's currency, as its body is below for
		// a kind with money; a kind without money too, though its body
		// names none: a currency it is sent with is checked against the
		// player's all the same (check), a twin's too.
		h := make([]byte, 0, meaningLen+len(p.meta.Currency))
		ch.Event.Hash = append(append(h, x.hash[:meaningLen]...), p.meta.Currency...)
	}
	var outs []*Outcome
	newPlayer := !p.known
	p.known = true
	if !newPlayer && p.meta.First.IsZero() {
		// Imported with no events: known from before any firing, in
		// every firing's audience (spec/semantics.md, Audience), also
		// after this first event, so that a firing run late agrees with
		// it run on time.
		p.meta.First = limits.MinTime
	}
	if ev.Kind == KindPlayer && (p.meta.First.IsZero() || ev.Time.Before(p.meta.First)) {
		p.meta.First = ev.Time // a registration: known from then (saw does it for the others)
	}
	if ev.Kind == KindPlayer {
		ch.Event.Body = nil // no window reads it
		p.meta.update(ev)
		p.dataChanged()
		sp, err := p.meta.toStored(p.id)
		if err != nil {
			return ch, nil, err
		}
		ch.Players = append(ch.Players, sp)
	} else {
		if p.meta.Currency == "" && ev.Currency != "" {
			p.meta.Currency = ev.Currency // until the host tells the player's own
			p.dataChanged()
		}
		// A transaction without a currency is in the player's currency at
		// its time: recorded so (and its hash, above), a
		// later change of the player's currency does not read its money
		// again in the new one. A player with none yet records it without
		// one; so does a kind without money, which no currency concerns.
		tx := x.tx
		if tx.Currency == "" && p.meta.Currency != "" && e.hasMoney(ev.Kind) {
			tx.Currency = p.meta.Currency
			body := x.ev.appendBody(tx.Currency, 0)
			ch.Event.Body = body[:len(body):len(body)]
		}
		p.insert(tx)
		p.trim(e.horizon(p.meta.Latest))
		var err error
		outs, err = e.rulesFor(ctx, p, x, &tx, &ch)
		if err != nil {
			return ch, nil, err
		}
		if newPlayer {
			sp, err := p.meta.toStored(p.id)
			if err != nil {
				return ch, nil, err
			}
			ch.Players = append(ch.Players, sp)
		}
	}
	if ev.Kind != KindPlayer {
		p.meta.saw(ev.Kind, ev.Time) // a change of data is not activity
	}
	return ch, outs, e.finish(p, &ch, outs)
}

// hasMoney reports whether the kind declares a money attribute.
func (e *Engine) hasMoney(kind string) bool {
	k, err := e.prog.Kind(kind)
	return err == nil && k.HasMoney()
}

// insert adds a transaction to the history, in time order (after those at
// the same time).
func (p *player) insert(tx runtime.Transaction) {
	i := sort.Search(len(p.history), func(i int) bool { return p.history[i].Time.After(tx.Time) })
	p.history = append(p.history, runtime.Transaction{})
	copy(p.history[i+1:], p.history[i:])
	p.history[i] = tx
	p.gen++
	if p.input != nil && p.input.Add(tx) != nil {
		p.input, p.noInput = nil, true
	}
}

// sameTimeBefore counts the events of the history at time t received
// before the last one (the event being decided).
func (p *player) sameTimeBefore(t time.Time) int {
	lo := sort.Search(len(p.history), func(i int) bool { return !p.history[i].Time.Before(t) })
	hi := sort.Search(len(p.history), func(i int) bool { return p.history[i].Time.After(t) })
	return max(hi-lo-1, 0)
}

// rulesFor runs the rules an event of a transaction kind concerns; tx is
// the event as the history holds it.
func (e *Engine) rulesFor(ctx context.Context, p *player, x *incoming, tx *runtime.Transaction, ch *store.Change) ([]*Outcome, error) {
	ev := &x.ev
	_, seen := p.meta.Kinds[ev.Kind]
	var one *runtime.Prepared
	holds := func(r *runtime.Rule, c runtime.Cond) (bool, error) {
		if one == nil {
			one = e.prepared(p, ev.Time, runtime.Anchors{}, tx)
		}
		ok, err := e.prog.Holds(ctx, r.Name, c, one)
		if err != nil && p.meta.Currency == "" && isCondError(err) {
			one = nil // the builder's input is lent a currency below: prepare it again
			if lent, decided := e.holdsLent(ctx, r, c, p, ev.Time, tx); decided {
				return lent, nil
			}
		}
		return ok, err
	}
	outs, err := e.overdue(ctx, p, ev)
	if err != nil {
		return nil, err
	}
	// trigger evaluates a rule's trigger condition on the event; one that
	// cannot be evaluated (a missing property) is a skip with its reason,
	// and does not fire.
	trigger := func(r *runtime.Rule, f *firing) (bool, error) {
		ok, err := holds(r, runtime.CondTrigger)
		if reason, detail, bad := condFailure(err); bad {
			outs = append(outs, e.condSkip(f, reason, detail))
			return false, nil
		}
		return ok, err
	}
	hash := triggerHash("event", p.id, ev.ID) // every rule's trigger by the event
	for _, r := range e.rules {
		if !concerns(r, ev.Kind) {
			continue // nothing below reads or changes the rule's state
		}
		st := p.rule(r.Name)
		// Entrance by an event.
		if en := r.Entrance; en != nil && st.EnteredAt.IsZero() && en.Kind != runtime.EventSchedule && en.Type == ev.Kind &&
			(en.Kind != runtime.EventFirst || !seen) {
			ok, err := holds(r, runtime.CondEntrance)
			if err != nil && !isCondError(err) {
				return nil, err
			}
			if ok {
				st.EnteredAt, st.EnterSkip = ev.Time, p.sameTimeBefore(ev.Time)
				p.dirty[r.Name] = true
			}
		}
		// Qualification: a new qualifying event starts the count again. One
		// that comes late, older than the qualification in force, was
		// superseded by it and changes nothing.
		if q := r.Qualification; q != nil && q.Type == ev.Kind && !ev.Time.Before(st.QualifiedAt) {
			ok, err := holds(r, runtime.CondQualification)
			if err != nil && !isCondError(err) {
				return nil, err
			}
			if ok {
				st.QualifiedAt, st.QualRewards, st.QualSkip = ev.Time, 0, p.sameTimeBefore(ev.Time)
				st.Count, st.BatchFirst, st.BatchLast, st.BatchSkip = 0, time.Time{}, time.Time{}, 0
				p.dirty[r.Name] = true
			}
		}
		t := r.Trigger
		f := &firing{rule: r, p: p, hash: hash,
			trig: Trigger{Type: "event", Event: ev.ID, Time: ev.Time}}
		fires := false
		switch t.Kind {
		case runtime.EventOn:
			if t.Type != ev.Kind {
				continue
			}
			ok, err := trigger(r, f)
			if err != nil {
				return nil, err
			}
			fires = ok
		case runtime.EventFirst:
			if t.Type != ev.Kind || st.Done {
				continue
			}
			st.Done = true
			p.dirty[r.Name] = true
			if seen {
				continue // the player's first was before the rule ran
			}
			ok, err := trigger(r, f)
			if err != nil {
				return nil, err
			}
			fires = ok
		case runtime.EventEvery:
			if t.Type != ev.Kind {
				continue
			}
			if r.Qualification != nil && !since(st.QualifiedAt, ev.Time) || r.Entrance != nil && !since(st.EnteredAt, ev.Time) {
				continue // accumulation counts only after qualifying, entering: a late event before them does not count
			}
			ok, err := trigger(r, f)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			st.Count++
			// The batch spans its earliest and latest events: one may come
			// late, within the lateness bound.
			if st.Count == 1 || ev.Time.Before(st.BatchFirst) {
				st.BatchFirst = ev.Time
				st.BatchSkip = p.sameTimeBefore(ev.Time)
			}
			if ev.Time.After(st.BatchLast) {
				st.BatchLast = ev.Time
			}
			p.dirty[r.Name] = true
			if st.Count < t.Count {
				continue
			}
			f.trig.Type = "every"
			f.trig.Skip = st.BatchSkip
			f.anchors = runtime.Anchors{FirstTransaction: st.BatchFirst, LastTransaction: st.BatchLast}
			st.Count, st.BatchFirst, st.BatchLast, st.BatchSkip = 0, time.Time{}, time.Time{}, 0
			fires = true
		case runtime.EventInactive:
			if t.Since != "" && t.Since != ev.Kind {
				continue
			}
			last := p.meta.Latest
			if t.Since != "" {
				last = p.meta.Kinds[t.Since]
			}
			if ev.Time.After(last) || last.IsZero() {
				ch.Timers = append(ch.Timers, store.Timer{Player: p.id, Rule: r.Name, Due: inactiveDue(ev.Time, t.Length)})
			}
			continue
		default:
			continue
		}
		if !fires {
			continue
		}
		o, err := e.fire(ctx, f)
		if err != nil {
			return nil, err
		}
		if o != nil {
			outs = append(outs, o)
		}
	}
	return outs, nil
}

// concerns says whether an event of kind may enter, qualify or trigger a
// rule, or set its inactivity timer: the cases rulesFor looks at, each of
// which starts with the same test.
func concerns(r *runtime.Rule, kind string) bool {
	if en := r.Entrance; en != nil && en.Kind != runtime.EventSchedule && en.Type == kind {
		return true
	}
	if q := r.Qualification; q != nil && q.Type == kind {
		return true
	}
	switch t := &r.Trigger; t.Kind {
	case runtime.EventOn, runtime.EventFirst, runtime.EventEvery:
		return t.Type == kind
	case runtime.EventInactive:
		return t.Since == "" || t.Since == kind
	}
	return false
}

// overdue fires, before an event, the inactivity the event ends when it
// was due before the event and has not fired: the clock was not advanced
// past its due time in between (a scheduler's tick, downtime, a log whose
// runner hands events and time in batches). It fires as it would have on
// time: as of its due time, with the trigger hash of its timer, once.
func (e *Engine) overdue(ctx context.Context, p *player, ev *Event) ([]*Outcome, error) {
	var outs []*Outcome
	for _, r := range e.rules {
		t := r.Trigger
		if t.Kind != runtime.EventInactive || (t.Since != "" && t.Since != ev.Kind) {
			continue
		}
		last := p.meta.Latest
		if t.Since != "" {
			last = p.meta.Kinds[t.Since]
		}
		st := p.rule(r.Name)
		due := inactiveDue(last, t.Length)
		if last.IsZero() || ev.Time.Before(due) || st.InactiveFor.Equal(last) {
			continue
		}
		st.InactiveFor = last
		p.dirty[r.Name] = true
		f := &firing{rule: r, p: p, hash: triggerHash("inactive", p.id, last.UTC().Format(time.RFC3339Nano)),
			trig: Trigger{Type: "inactive", Time: due}}
		o, err := e.fire(ctx, f)
		if err != nil {
			return nil, err
		}
		if o != nil {
			outs = append(outs, o)
		}
	}
	return outs, nil
}

// inactiveDue is when inactivity since last fires: the first instant at
// which more than length has passed.
func inactiveDue(last time.Time, length time.Duration) time.Time {
	return last.Add(length).Add(time.Nanosecond).UTC()
}

// holdsLent decides a condition of rule r for a player whose currency is
// not known yet (a login before any event named one), which no input of a
// rule set with money can be prepared for: the condition is evaluated with
// each currency lent in turn (e.lends), and decided when every one gives
// the same answer without an error, so the answer does not depend on the
// currency the player will have (a condition without money, as an entrance
// on login). Otherwise decided is false and the condition stays
// undecidable, as before.
func (e *Engine) holdsLent(ctx context.Context, r *runtime.Rule, c runtime.Cond, p *player, at time.Time, tx *runtime.Transaction) (ok, decided bool) {
	for i, cur := range e.lends {
		pl := p.runtimePlayer()
		pl.Currency = cur
		got, err := e.prog.Holds(ctx, r.Name, c, e.one(pl, at, tx))
		if err != nil || i > 0 && got != ok {
			return false, false
		}
		ok = got
	}
	return ok, len(e.lends) > 0
}

func isCondError(err error) bool {
	var ce *runtime.CondError
	return errors.As(err, &ce)
}

// condSkip is the outcome of a trigger whose condition could not be
// evaluated (a missing property): skipped, with the reason.
func (e *Engine) condSkip(f *firing, reason, detail string) *Outcome {
	o := e.outcome(f)
	o.Status, o.Reason, o.Detail = string(store.Skipped), reason, detail
	if f.rule.MessageLimit != nil && len(f.rule.Messages) > 0 {
		e.messages(o, f.rule, f.p.rule(f.rule.Name), e.loc(f.p)) // sent: counted
		f.p.dirty[f.rule.Name] = true
	} else {
		e.messages(o, f.rule, nil, nil)
	}
	return o
}
