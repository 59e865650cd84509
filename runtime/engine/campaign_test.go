package engine_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
)

// Campaigns on testdata/campaign: splits and control groups, entrances.

// group computes a player's group as spec/spec.md section 16 says, apart
// from the runtime's code: the first 8 bytes of SHA-256(key + "\x00" +
// player), big-endian, modulo 10000, against the cumulative shares.
func group(key, player string, arms []string, shares []int) string {
	sum := sha256.Sum256([]byte(key + "\x00" + player))
	bucket := int(binary.BigEndian.Uint64(sum[:8]) % 10000)
	upto := 0
	for i, s := range shares {
		upto += s
		if bucket < upto {
			return arms[i]
		}
	}
	panic("shares do not add up")
}

func TestSplit(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	e := engineFor(t, "campaign", st, engine.Options{})
	const n = 60
	var evs []engine.Event
	for i := range n {
		p := fmt.Sprintf("p%02d", i)
		evs = append(evs, eur(p, t0), deposit("d1", p, t0.Add(time.Minute), "10", "card"), login("l1", p, t0.Add(2*time.Minute)))
	}
	first := handle(t, e, evs...)
	groups := map[string]int{}
	paid := decimal.Zero
	check := func(outs []engine.Outcome) {
		for _, o := range only(outs, []string{"ab"}) {
			want := group("ab-2026", o.Player, []string{"low", "high", "control"}, []int{3000, 3000, 4000})
			require.Equal(t, want, o.Variant, o.Player)
			groups[want]++
			switch want {
			case "control":
				assert.Equal(t, "control", o.Action)
				assert.Equal(t, "skipped", o.Status)
				assert.Equal(t, "control-group", o.Reason)
				assert.Nil(t, o.Amount, "the control group is never paid")
				require.Len(t, o.Messages, 1)
				assert.Equal(t, map[string]string{"variant": "control", "reason": "control-group"}, o.Messages[0].Values)
			case "low":
				assert.Equal(t, "five", o.Action)
				assert.Equal(t, "issued 5.00", o.Status+" "+o.Amount.String())
				paid = paid.Add(o.Amount.Decimal)
			case "high":
				assert.Equal(t, "ten", o.Action)
				assert.Equal(t, "issued 10.00", o.Status+" "+o.Amount.String())
				paid = paid.Add(o.Amount.Decimal)
			}
		}
		for _, o := range only(outs, []string{"ab_unseeded"}) {
			// Without a seed, the campaign's name is the key.
			want := group("ab_unseeded", o.Player, []string{"only", "control"}, []int{5000, 5000})
			require.Equal(t, want, o.Variant, o.Player)
		}
	}
	check(first)
	// Stable: the same groups on a new engine, for new events.
	e = engineFor(t, "campaign", st, engine.Options{})
	evs = evs[:0]
	for i := range n {
		p := fmt.Sprintf("p%02d", i)
		evs = append(evs, deposit("d2", p, t0.Add(time.Hour), "10", "card"))
	}
	check(handle(t, e, evs...))
	assert.Equal(t, 2*n, groups["low"]+groups["high"]+groups["control"])
	for _, g := range []string{"low", "high", "control"} {
		assert.Positive(t, groups[g], g)
	}
	bs, err := st.Budgets(ctx, "ab")
	require.NoError(t, err)
	require.Len(t, bs, 1)
	assert.True(t, paid.Equal(bs[0].Posted), "posted %s, issued %s: the control group takes nothing", bs[0].Posted, paid)
}

func TestEntranceByEvent(t *testing.T) {
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	runScenarios(t, "campaign", []scenario{{
		name:  "on first login",
		rules: []string{"joined_on_login"},
		steps: []step{
			{name: "not entered: no outcome", handle: []engine.Event{eur("p", t0), deposit("d1", "p", at(1), "100", "card")}},
			{name: "enters", handle: []engine.Event{login("l1", "p", at(2))}},
			{name: "since entrance", handle: []engine.Event{deposit("d2", "p", at(3), "50", "card")},
				want: []string{"joined_on_login p issued 5.00 EUR"}},
			{name: "a second login does not move the entrance", handle: []engine.Event{login("l2", "p", at(4)), deposit("d3", "p", at(5), "20", "card")},
				want: []string{"joined_on_login p issued 7.00 EUR"}},
		},
	}})
}

func TestEntranceBySchedule(t *testing.T) {
	wed := utc("2026-11-04T12:00:00Z")
	fri := utc("2026-11-06T17:00:00Z") // 18:00 in Malta
	vip := props("vip_level", json.Number("1"))
	runScenarios(t, "campaign", []scenario{{
		name:  "every Friday, for the segment",
		rules: []string{"joined_on_friday"},
		steps: []step{
			{name: "in service", handle: []engine.Event{
				playerEv("reg-a", "a", wed, "EUR", "Europe/Malta", vip),
				playerEv("reg-b", "b", wed, "EUR", "Europe/Malta", nil),
			}, advance: wed},
			{name: "before the entrance", handle: []engine.Event{deposit("d1", "a", wed.Add(day), "100", "card")}},
			{name: "the entrance gives no outcome", advance: fri},
			{name: "a member, since entrance", handle: []engine.Event{
				deposit("d2", "a", fri.Add(30*time.Minute), "30", "card"),
				deposit("d1", "b", fri.Add(30*time.Minute), "30", "card"),
			}, want: []string{"joined_on_friday a issued 3.00 EUR"}},
			{name: "b joins the segment, not the campaign yet", handle: []engine.Event{
				playerEv("up", "b", fri.Add(time.Hour), "", "", vip),
				deposit("d2", "b", fri.Add(2*time.Hour), "40", "card"),
			}},
			{name: "the next Friday", advance: fri.Add(7 * day)},
			{name: "both", handle: []engine.Event{
				deposit("d3", "a", fri.Add(7*day+time.Hour), "10", "card"),
				deposit("d3", "b", fri.Add(7*day+time.Hour), "10", "card"),
			}, want: []string{"joined_on_friday a issued 4.00 EUR", "joined_on_friday b issued 1.00 EUR"}},
		},
	}})
}
