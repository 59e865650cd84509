package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/vm/window"
)

// The state the engine keeps per player, in the store's per-(player, rule)
// rows. Rule names are identifiers, so the rows of the engine's own names,
// which start with '@', never collide with a rule's.
const (
	metaRule     = "@player"   // the player's data and latest event times
	scheduleRule = "@schedule" // prefix of the per-rule schedule bookkeeping row
)

// playerMeta is the state of a player across rules.
type playerMeta struct {
	Currency string         `json:"currency,omitempty"`
	Zone     string         `json:"zone,omitempty"`
	Props    map[string]any `json:"properties,omitempty"`
	// Latest is the time of the player's latest event; Kinds the latest per
	// kind (a kind present has been seen: on first).
	Latest time.Time            `json:"latest,omitzero"`
	Kinds  map[string]time.Time `json:"kinds,omitempty"`
	// First is the time of the player's earliest event (a player event
	// too, though it is not activity): a scheduled
	// firing before it is not the player's (zero for a player imported
	// before any event, who is in every firing's audience, and
	// limits.MinTime once such a player's first event came: still in
	// every firing's audience, a firing run late after that event too).
	First time.Time `json:"first,omitzero"`
	// ZoneSince is the time of the player event that last changed the
	// player's zone (zero while it never changed): a firing of a schedule
	// in player zone before it is not the player's, who lived elsewhere.
	ZoneSince time.Time `json:"zone_since,omitzero"`
}

// ruleState is the state of a player in one rule: small, whatever the
// number of events.
type ruleState struct {
	// Every N: the matching events counted towards the next batch, and the
	// times of the batch's first and last.
	Count      int64     `json:"count,omitempty"`
	BatchFirst time.Time `json:"batch_first,omitzero"`
	BatchLast  time.Time `json:"batch_last,omitzero"`
	// BatchSkip is the number of events at the batch's first time received
	// before its first event: they are not the batch's (Trigger.Skip).
	BatchSkip int `json:"batch_skip,omitempty"`
	// Qualification: when the player last qualified, and the rewards since.
	QualifiedAt time.Time `json:"qualified_at,omitzero"`
	QualRewards int64     `json:"qual_rewards,omitempty"`
	// QualSkip is the number of events at the qualification's time
	// received before the qualifying event: they are not in a window from
	// the qualification (Trigger.QualSkip).
	QualSkip int `json:"qual_skip,omitempty"`
	// Campaign entrance, and the number of events at its time received
	// before the entering event (Trigger.EnterSkip).
	EnteredAt time.Time `json:"entered_at,omitzero"`
	EnterSkip int       `json:"enter_skip,omitempty"`
	// Rate limits: the times of the latest rewards and messages counted,
	// at most the limit's count of each.
	Rewards  []time.Time `json:"rewards,omitempty"`
	Messages []time.Time `json:"messages,omitempty"`
	// Inactivity: the latest event time whose inactivity has fired (once
	// per inactivity).
	InactiveFor time.Time `json:"inactive_for,omitzero"`
	// Fired: on first, fired or ruled out once and for all.
	Done bool `json:"done,omitempty"`
	// Run is the trigger hash of the latest scheduled firing decided for
	// the player (Entered, of the entrance's): written with its outcome, it
	// makes a run resumed after a crash skip the players it has done.
	Run     string `json:"run,omitempty"`
	Entered string `json:"entered,omitempty"`
}

// scheduleState is the bookkeeping of one scheduled rule: when it was put
// into service and, per zone, the firing last run.
type scheduleState struct {
	Since time.Time            `json:"since"`
	Last  map[string]time.Time `json:"last,omitempty"`
}

// player is a player as the engine holds it between events: data, states
// with the versions read, and the history the rules' windows need.
type player struct {
	id       string
	meta     playerMeta
	metaVer  int64
	rules    map[string]*ruleState
	versions map[string]int64
	dirty    map[string]bool
	history  []runtime.Transaction // by time
	known    bool                  // stored data was found (a player record or events)
	// input is the history as a builder, appended to as events come, so
	// that an evaluation as of the latest event does not prepare the
	// history again; nil until needed, and after a change of the player's
	// data or a trim of the history. noInput: a transaction or the
	// player's data did not go into the builder (an input error): prepare
	// from the history, which reports the error as it always did.
	input   *runtime.Builder
	noInput bool
	// gen counts the changes of the history and of the player's data, for
	// the engine's shared builder (inputs.holder).
	gen uint64
	// written is closed when the batch that last decided the player is
	// written (pipeline.go): until then the cache must keep it.
	written <-chan struct{}
}

// dataChanged drops the builder of the player's history: the player's
// data it was made with (currency, zone, properties) changed.
func (p *player) dataChanged() { p.input, p.noInput = nil, false; p.gen++ }

func (p *player) rule(name string) *ruleState {
	if s := p.rules[name]; s != nil {
		return s
	}
	s := &ruleState{}
	p.rules[name] = s
	return s
}

// runtimePlayer is the player as rewards read it. A player without a zone
// lives on UTC, for the windows in player zone as for its schedules and
// its limits in days.
func (p *player) runtimePlayer() runtime.Player {
	zone := p.meta.Zone
	if zone == "" {
		zone = "UTC"
	}
	return runtime.Player{ID: p.id, Currency: p.meta.Currency, Zone: zone, Properties: p.meta.Props}
}

// changed appends to states the states written by one change, meta first,
// and marks them clean. The versions move on as the store will move them
// (each write adds one), so that the next change of the player in the same
// batch names the version this one writes; a change that fails makes the
// engine forget the player and read it again. The states' JSON shares one
// buffer, sized for them: they are written and dropped together.
func (p *player) changed(states []store.State) ([]store.State, error) {
	var stack [16]string
	names := sortedInto(stack[:0], p.dirty)
	size := metaSize(&p.meta)
	for _, name := range names {
		size += ruleStateSize(p.rules[name])
	}
	buf, err := appendMeta(make([]byte, 0, size), &p.meta)
	if err != nil {
		return states, err
	}
	states = slices.Grow(states, 1+len(names))
	states = append(states, store.State{Player: p.id, Rule: metaRule, Version: p.metaVer, Data: buf[:len(buf):len(buf)]})
	p.metaVer++
	for _, name := range names {
		start := len(buf)
		if st := p.rules[name]; st != nil {
			buf = appendRuleState(buf, st)
		} else {
			buf = append(buf, "null"...) // as encoding/json writes a nil state; not reached
		}
		states = append(states, store.State{Player: p.id, Rule: name, Version: p.versions[name], Data: buf[start:len(buf):len(buf)]})
		p.versions[name]++
	}
	clear(p.dirty)
	return states, nil
}

// stored sets the versions the store gave to the states of a change.
func (p *player) stored(states []store.State, versions []int64) {
	for i, s := range states {
		if i >= len(versions) {
			return
		}
		if s.Rule == metaRule {
			p.metaVer = versions[i]
		} else {
			p.versions[s.Rule] = versions[i]
		}
	}
}

// loadState reads one stored state row into the player.
func (p *player) loadState(s store.State) error {
	if s.Rule == metaRule {
		p.metaVer = s.Version
		p.known = true
		dec := json.NewDecoder(bytes.NewReader(s.Data))
		dec.UseNumber() // properties keep their exact decimals
		if err := dec.Decode(&p.meta); err != nil {
			return fmt.Errorf("player %q: stored data: %w", p.id, err)
		}
		return nil
	}
	st := &ruleState{}
	if err := json.Unmarshal(s.Data, st); err != nil {
		return fmt.Errorf("player %q, rule %s: stored state: %w", p.id, s.Rule, err)
	}
	p.rules[s.Rule] = st
	p.versions[s.Rule] = s.Version
	return nil
}

// keepRecent adds t to the times ts (in time order; after the times equal
// to it, which were received before it) and drops the times that can no
// longer count for an event the engine still takes: one up to lateness older
// than the player's latest event, which is at or after the latest time kept.
// A late event (older than the player's latest) needs the times around it,
// so the times kept are not trimmed to the limit's count.
func keepRecent(ts []time.Time, t time.Time, per time.Duration, loc *time.Location, lateness time.Duration) []time.Time {
	i := len(ts)
	for i > 0 && ts[i-1].After(t) {
		i--
	}
	ts = slices.Insert(ts, i, t)
	horizon := ts[len(ts)-1].Add(-lateness)
	j := 0
	for j < len(ts) && !until(ts[j], per, loc).After(horizon) {
		j++
	}
	return ts[j:]
}

// limitReached reports whether one more at t would put more than n of the
// times ts (in time order) into one rolling period: a period [s, until(s))
// that holds t, starting at t or at one of ts at or before t. When every
// time is at or before t (events in order), that is whether n of them
// still count at t (t' <= t < until(t')); a late event also meets the
// times after it, within the period from its own instant or from an earlier
// one's.
func limitReached(ts []time.Time, t time.Time, per time.Duration, loc *time.Location, n int64) bool {
	if countFrom(ts, t, per, loc) >= n {
		return true
	}
	for _, s := range ts {
		if s.After(t) {
			break
		}
		if t.Before(until(s, per, loc)) && countFrom(ts, s, per, loc) >= n {
			return true
		}
	}
	return false
}

// countFrom counts the times in the period [s, until(s)).
func countFrom(ts []time.Time, s time.Time, per time.Duration, loc *time.Location) int64 {
	end := until(s, per, loc)
	var n int64
	for _, t := range ts {
		if !t.Before(s) && t.Before(end) {
			n++
		}
	}
	return n
}

// since reports whether a player had entered or qualified (at the time
// t, zero when not) by at: an event before t, which came late, does not
// count towards the rule.
func since(t, at time.Time) bool { return !t.IsZero() && !at.Before(t) }

// until is when something counted at t stops counting towards a limit per
// period: per later (loc nil: a limit written in hours or minutes); or, for
// a whole number of days on the player's clock, the same wall-clock
// time that many days later on the player's clock (loc), so that a week
// from Monday 00:00 ends at the next Monday 00:00 across a change of the
// clocks too, as the days of windows do. A wall-clock time the clocks skip
// that day is the first instant after the jump, and one they show twice
// its first occurrence, as for windows' bounds (window.FirstInstant).
func until(t time.Time, per time.Duration, loc *time.Location) time.Time {
	const day = 24 * time.Hour
	if loc == nil || per%day != 0 {
		return t.Add(per)
	}
	return window.FirstInstant(wallOf(t, loc).AddDate(0, 0, int(per/day)), loc).UTC()
}

// wallOf is the reading of loc's clocks at t, for a period of days that
// starts at t; at the instant the clocks jump forward, the first time they
// skip (00:00 where midnight becomes 01:00), the time whose schedules and
// windows' bounds resolve to that instant (window.FirstInstant), so that
// a weekly firing at a skipped midnight counts until the next one, not an
// hour after it.
func wallOf(t time.Time, loc *time.Location) time.Time {
	lt := t.In(loc)
	w := window.WallClock(lt)
	_, off := lt.Zone()
	if _, before := t.Add(-time.Nanosecond).In(loc).Zone(); before < off {
		w = w.Add(-time.Duration(off-before) * time.Second)
	}
	return w
}

// setStored takes a player's data from the store's player record (the
// form of runtime.EncodePlayer).
func (m *playerMeta) setStored(sp store.Player) error {
	p, err := runtime.DecodePlayer(sp.Props)
	if err != nil {
		return fmt.Errorf("player %q: the stored record: %w", sp.ID, err)
	}
	m.Currency, m.Zone, m.Props = p.Currency, p.Zone, p.Properties
	if m.Zone == "" {
		m.Zone = sp.Zone
	}
	return nil
}

func (m *playerMeta) toStored(id string) (store.Player, error) {
	b, err := runtime.EncodePlayer(runtime.Player{ID: id, Currency: m.Currency, Zone: m.Zone, Properties: m.Props})
	if err != nil {
		return store.Player{}, err
	}
	return store.Player{ID: id, Zone: m.Zone, Props: b}, nil
}

// update takes a player event: currency and zone when given, the
// properties named (null removes one).
func (m *playerMeta) update(ev *Event) {
	if ev.Currency != "" {
		m.Currency = ev.Currency
	}
	if ev.Zone != "" && ev.Zone != m.Zone {
		if !m.First.IsZero() && ev.Time.After(m.First) {
			m.ZoneSince = ev.Time // a move: from none (UTC) or another zone
		}
		m.Zone = ev.Zone
	}
	for k, v := range ev.Properties {
		if v == nil {
			delete(m.Props, k)
			continue
		}
		if m.Props == nil {
			m.Props = map[string]any{}
		}
		m.Props[k] = v
	}
}

// saw records an event's time as the latest, of all and of its kind.
func (m *playerMeta) saw(kind string, t time.Time) {
	if m.First.IsZero() || t.Before(m.First) {
		m.First = t
	}
	if t.After(m.Latest) {
		m.Latest = t
	}
	if m.Kinds == nil {
		m.Kinds = map[string]time.Time{}
	}
	if old, ok := m.Kinds[kind]; !ok || t.After(old) {
		m.Kinds[kind] = t
	}
}
