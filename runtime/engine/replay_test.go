package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
)

// The same event log gives the same outcomes however it is cut into calls,
// whatever the batch size and the cache, and across restarts of the
// engine: the decisions depend on the events and the state, nothing else.

// logShape is what a random log draws from: the games of bets (none: the
// rule set has no bets), the methods of deposits and the properties of
// player events.
type logShape struct {
	games, methods []string
	country        bool
}

var shapes = map[string]logShape{
	"limits":   {games: []string{"slots", "notes", "points", "poker"}, methods: []string{"card", "budget", "bank"}, country: true},
	"triggers": {games: []string{"slots", "week", "poker"}, methods: []string{"card", "bank", "match"}},
	"campaign": {methods: []string{"card"}},
}

// randomLog is a deterministic log of days of events of a few players on
// a rule set's kinds, with player events changing the segment.
func randomLog(seed uint64, shape logShape, players, days int) [][]engine.Event {
	r := rand.New(rand.NewPCG(seed, seed))
	games, methods := shape.games, shape.methods
	var out [][]engine.Event
	for d := range days {
		var day []engine.Event
		at := t0.Add(time.Duration(d) * 24 * time.Hour)
		if d == 0 {
			for p := range players {
				cur := "EUR"
				if p%3 == 2 {
					cur = "USD"
				}
				zone := []string{"", "Europe/Malta", "America/New_York"}[p%3]
				day = append(day, playerEv(fmt.Sprintf("reg-%d", p), fmt.Sprintf("p%d", p), at, cur, zone, nil))
			}
		}
		n := 5 + r.IntN(25)
		for i := range n {
			at = at.Add(time.Duration(r.IntN(40)) * time.Minute)
			p := fmt.Sprintf("p%d", r.IntN(players))
			id := fmt.Sprintf("e%d-%d", d, i)
			switch k := r.IntN(10); {
			case k < 3:
				amount := fmt.Sprintf("%d.%02d", 5+r.IntN(200), r.IntN(100))
				day = append(day, deposit(id, p, at, amount, methods[r.IntN(len(methods))]))
			case k < 7 && len(games) > 0:
				day = append(day, bet(id, p, at, fmt.Sprintf("%d", 1+r.IntN(50)), games[r.IntN(len(games))]))
			case k < 9:
				day = append(day, login(id, p, at))
			default:
				ps := props("vip_level", json.Number(fmt.Sprint(r.IntN(3))))
				if shape.country {
					ps["country"] = []string{"MT", "DE"}[r.IntN(2)]
				}
				day = append(day, playerEv(id, p, at, "", "", ps))
			}
		}
		out = append(out, day)
	}
	return out
}

// replay runs the log day by day, advancing the clock at the end of each
// day, and gives the outcomes as JSON without their sequence numbers.
func replay(t *testing.T, dir string, log [][]engine.Event, opts engine.Options, perEvent, restart bool) []string {
	return replayTwice(t, dir, log, opts, perEvent, restart, false)
}

// replayTwice is replay; with twice, each event a call is delivered again
// in the next call, as an at-least-once host may.
func replayTwice(t *testing.T, dir string, log [][]engine.Event, opts engine.Options, perEvent, restart, twice bool) []string {
	ctx := context.Background()
	st := openStore(t)
	e := engineFor(t, dir, st, opts)
	var got []string
	add := func(outs []engine.Outcome) {
		for _, o := range outs {
			o.Seq = 0
			b, err := json.Marshal(o)
			require.NoError(t, err)
			got = append(got, string(b))
		}
	}
	for d, day := range log {
		if restart {
			e = engineFor(t, dir, st, opts)
		}
		if perEvent {
			for i, ev := range day {
				call := []engine.Event{ev}
				if twice && i > 0 {
					call = []engine.Event{day[i-1], ev}
				}
				outs, err := e.Handle(ctx, call)
				require.NoError(t, err)
				add(outs)
			}
		} else {
			outs, err := e.Handle(ctx, day)
			require.NoError(t, err)
			add(outs)
		}
		// The clock in steps of 6 hours: schedules in three zones.
		for h := 6; h <= 24; h += 6 {
			outs, err := e.Advance(ctx, t0.Add(time.Duration(d)*24*time.Hour+time.Duration(h)*time.Hour))
			require.NoError(t, err)
			add(outs)
		}
	}
	return got
}

func TestReplayCutsAlike(t *testing.T) {
	days := 14
	if testing.Short() {
		days = 4 // under the race detector (.ci/run), ten times slower
	}
	for _, dir := range []string{"limits", "triggers", "campaign"} {
		for _, seed := range []uint64{1} {
			log := randomLog(seed, shapes[dir], 5, days)
			want := replay(t, dir, log, engine.Options{}, false, false)
			require.NotEmpty(t, want)
			for _, c := range []struct {
				name     string
				opts     engine.Options
				perEvent bool
				restart  bool
				twice    bool
			}{
				{"each event twice", engine.Options{}, true, false, true},
				{"one event a call", engine.Options{}, true, false, false},
				{"batches of one, a cache of one", engine.Options{BatchSize: 1, CachePlayers: 1}, false, false, false},
				{"batches of three, a restart each day", engine.Options{BatchSize: 3}, false, true, false},
			} {
				got := replayTwice(t, dir, log, c.opts, c.perEvent, c.restart, c.twice)
				require.Equal(t, want, got, "%s, seed %d, %s", dir, seed, c.name)
			}
		}
	}
}
