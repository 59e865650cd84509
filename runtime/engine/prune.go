package engine

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/promoc/promoc/runtime"
)

// History is the time the engine keeps a player's events: what the longest
// window of the rewards the rules give needs, or Options.Retention when a
// reward reads without a bounded window.
func (e *Engine) History() time.Duration { return e.retention }

// Prune drops from the store the bodies of events that no window can read
// any more as of now (older than the history kept plus the lateness bound),
// nor as of the trigger of a result waiting for approval, which a
// recalculation evaluates again as of that time; their ids stay, so a
// redelivery is still recognized. It returns how many it dropped. Hosts
// call it now and then; promoc run calls it at the end.
func (e *Engine) Prune(ctx context.Context, now time.Time) (int64, error) {
	defer e.quiesce()()
	before := e.horizon(now)
	for _, p := range e.players {
		p.trim(before)
	}
	oldest, err := e.oldestWaiting(ctx)
	if err != nil {
		return 0, err
	}
	if !oldest.IsZero() && e.horizon(oldest).Before(before) {
		before = e.horizon(oldest) // the players' caches trim as they did: a recalculation reads the store
	}
	return e.st.Prune(ctx, before)
}

// oldestWaiting is the earliest trigger time of the results waiting for
// approval (the queue is the operators' backlog: small), zero when none.
func (e *Engine) oldestWaiting(ctx context.Context) (time.Time, error) {
	var oldest time.Time
	var after int64
	for {
		ws, err := e.st.Waiting(ctx, after, queuePage)
		if err != nil || len(ws) == 0 {
			return oldest, err
		}
		after = ws[len(ws)-1].Seq
		for _, w := range ws {
			o, err := OutcomeOf(w)
			if err != nil {
				return oldest, err
			}
			if oldest.IsZero() || o.Trigger.Time.Before(oldest) {
				oldest = o.Trigger.Time
			}
		}
	}
}

// horizon is the oldest time a window can read as of now.
func (e *Engine) horizon(now time.Time) time.Time {
	return now.Add(-e.retention - e.opts.Lateness)
}

// trim drops the events before before from the player's history.
func (p *player) trim(before time.Time) {
	i := sort.Search(len(p.history), func(i int) bool { return !p.history[i].Time.Before(before) })
	if i > 0 {
		p.history = append(p.history[:0], p.history[i:]...)
		p.input = nil
		p.gen++
	}
}

// PlayerState is what the engine keeps for one player: the data rules read,
// and per rule the counters, anchors and limits, and the player's group in
// each split.
type PlayerState struct {
	Player     string                     `json:"player"`
	Currency   string                     `json:"currency,omitempty"`
	Zone       string                     `json:"zone,omitempty"`
	Properties map[string]any             `json:"properties,omitempty"`
	Latest     time.Time                  `json:"latest,omitzero"`
	Events     int                        `json:"events_kept"` // events kept for windows
	Rules      map[string]json.RawMessage `json:"rules,omitempty"`
	Groups     map[string]string          `json:"groups,omitempty"` // campaign → variant or "control"
}

// State reports a player's state as the store has it.
func (e *Engine) State(ctx context.Context, id string) (PlayerState, error) {
	defer e.quiesce()()
	e.forget(id) // as stored, not as cached
	p, err := e.load(ctx, id, time.Time{})
	if err != nil {
		return PlayerState{}, err
	}
	ps := PlayerState{Player: id, Currency: p.meta.Currency, Zone: p.meta.Zone, Properties: p.meta.Props,
		Latest: p.meta.Latest, Events: len(p.history), Rules: map[string]json.RawMessage{}, Groups: map[string]string{}}
	for name, st := range p.rules {
		b, err := json.Marshal(st)
		if err != nil {
			return ps, err
		}
		ps.Rules[name] = b
	}
	for _, r := range e.rules {
		if r.Split != nil {
			ps.Groups[r.Name] = armName(r.Split.Arm(r.Name, id))
		}
	}
	return ps, nil
}

func armName(a *runtime.SplitArm) string {
	if a.Control {
		return "control"
	}
	return a.Name
}
