package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
)

// An inactivity rule sets a player's timer at each event of theirs it
// concerns. One that appears in a running rule set has set none for the
// players already known, who may send no event again: the first Advance
// after it appears puts it into service, as a schedule, setting the timer
// of every stored player whose inactivity passes the rule's length after
// that instant. It does not fire for its past: an inactivity that had
// passed it before is not the rule's. A rule whose length (or the kind it
// waits since) changed is put into service again: the players it still
// waited for get the new timer, and fire at the change, as of the instant
// the new length passed (as after downtime), when that is already past.

// inactiveService is the bookkeeping row of an inactivity rule: when it was
// put into service, and for what length since what kind.
type inactiveService struct {
	Since  time.Time     `json:"since"`
	Length time.Duration `json:"length"`
	Kind   string        `json:"kind,omitempty"`
}

// current says whether the row is in service for rule r as it is.
func (s inactiveService) current(r *runtime.Rule) bool {
	return !s.Since.IsZero() && s.Length == r.Trigger.Length && s.Kind == r.Trigger.Since
}

// inactiveServed says whether the store shows inactivity rule r in service.
func (e *Engine) inactiveServed(ctx context.Context, r *runtime.Rule) (bool, error) {
	if _, ok := e.inService.Load(r.Name); ok {
		return true, nil
	}
	ss, _, err := e.inactiveState(ctx, r)
	if err != nil || !ss.current(r) {
		return false, err
	}
	e.inService.Store(r.Name, true)
	return true, nil
}

// inactiveState reads the bookkeeping row of inactivity rule r: when it was
// put into service.
func (e *Engine) inactiveState(ctx context.Context, r *runtime.Rule) (inactiveService, store.State, error) {
	return bookState[inactiveService](ctx, e.st, r.Name+".inactive", "inactivity state")
}

// serveInactivity puts into service at now every inactivity rule not yet
// in service. It runs beside the batches in flight, not after them: on a
// large database putting a rule into service takes a while, and the events
// meanwhile need not wait. It reads and writes the store only, no player
// the engine holds, and what it writes may be stale, never wrong: a
// player's event written meanwhile sets the player's own timer, and a timer
// set from an older latest event is due earlier than the one the player's
// state gives, which timerItem then sets instead, firing nothing.
func (e *Engine) serveInactivity(ctx context.Context, now time.Time) error {
	for _, r := range e.rules {
		if r.Trigger.Kind != runtime.EventInactive {
			continue
		}
		ok, err := e.inactiveServed(ctx, r)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		err = e.leased(ctx, "inactive/"+r.Name, func(ctx context.Context) error {
			return e.startInactivity(ctx, r, now)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// startInactivity sets, a page of players at a time, the timers of rule r
// that fall due after now, then records r in service since now. A crash
// half-way sets them again at the next Advance (a timer is replaced, and
// one set wrong is put right when it falls due, timerItem); so does an
// event handled meanwhile, which sets its player's own.
func (e *Engine) startInactivity(ctx context.Context, r *runtime.Rule, now time.Time) error {
	old, _, err := e.inactiveState(ctx, r)
	if err != nil || old.current(r) {
		return err // put into service by another engine meanwhile
	}
	after := ""
	for {
		ps, err := e.st.Players(ctx, after, e.opts.PageSize)
		if err != nil {
			return err
		}
		var ts []store.Timer
		for _, sp := range ps {
			due, ok, err := e.inactiveFrom(ctx, r, old, sp.ID, now)
			if err != nil {
				return err
			}
			if ok {
				ts = append(ts, store.Timer{Player: sp.ID, Rule: r.Name, Due: due})
			}
		}
		if len(ts) > 0 {
			applied, err := e.st.Apply(ctx, []store.Change{{Timers: ts}})
			if err != nil {
				return err
			}
			if err := applied[0].Err; err != nil {
				return err
			}
		}
		if len(ps) < e.opts.PageSize {
			break
		}
		after = ps[len(ps)-1].ID
	}
	ss, row, err := e.inactiveState(ctx, r)
	if err != nil || ss.current(r) {
		return err // put into service by another engine meanwhile
	}
	err = e.saveBook(ctx, row, inactiveService{Since: now, Length: r.Trigger.Length, Kind: r.Trigger.Since})
	if err != nil && !errors.Is(err, store.ErrStateConflict) {
		return err
	}
	e.inService.Store(r.Name, true)
	return nil
}

// inactiveFrom is when the stored player id's inactivity fires under rule
// r, and whether a timer is to be set: when that is after now and has not
// fired; or, when the rule was in service before with another length or
// kind (old), when it still waited for the player, also when that is due
// already.
func (e *Engine) inactiveFrom(ctx context.Context, r *runtime.Rule, old inactiveService, id string, now time.Time) (time.Time, bool, error) {
	s, err := e.st.State(ctx, id, metaRule)
	if err != nil || len(s.Data) == 0 {
		return time.Time{}, false, err
	}
	var m playerMeta
	dec := json.NewDecoder(bytes.NewReader(s.Data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return time.Time{}, false, fmt.Errorf("player %q: stored data: %w", id, err)
	}
	last := m.Latest
	if r.Trigger.Since != "" {
		last = m.Kinds[r.Trigger.Since]
	}
	if last.IsZero() {
		return time.Time{}, false, nil
	}
	due := inactiveDue(last, r.Trigger.Length)
	if !due.After(now) {
		if old.Since.IsZero() {
			return time.Time{}, false, nil // a new rule: not for its past
		}
		oldLast := m.Latest
		if old.Kind != "" {
			oldLast = m.Kinds[old.Kind]
		}
		if oldLast.IsZero() || !inactiveDue(oldLast, old.Length).After(now) {
			return time.Time{}, false, nil // not waited for: fired, or before the rule
		}
		// Due already: it fires at once, as of its instant, as after downtime.
	}
	rs, err := e.st.State(ctx, id, r.Name)
	if err != nil {
		return time.Time{}, false, err
	}
	if len(rs.Data) > 0 {
		var st ruleState
		if err := json.Unmarshal(rs.Data, &st); err != nil {
			return time.Time{}, false, fmt.Errorf("player %q, rule %s: stored state: %w", id, r.Name, err)
		}
		if st.InactiveFor.Equal(last) {
			return time.Time{}, false, nil // fired already
		}
	}
	return due, true, nil
}
