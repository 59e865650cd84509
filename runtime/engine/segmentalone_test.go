package engine_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
)

// TestScheduleSegmentReadsNoHistory: a scheduled run evaluates its segment
// on the player alone (a segment reads no transaction), so a player outside
// it has no history filled; a member has its history filled once, for the
// reward, and gets the outcome it always got.
func TestScheduleSegmentReadsNoHistory(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	e := engineFor(t, "schedules", st, engine.Options{})
	reg := utc("2026-11-01T00:00:00Z")
	var evs []engine.Event
	for _, p := range []struct {
		id    string
		props map[string]any
	}{
		{"low", map[string]any{"vip_level": json.Number("0")}},
		{"none", nil},
		{"out", map[string]any{"vip_level": json.Number("0")}},
		{"vip", map[string]any{"vip_level": json.Number("2")}},
		{"vip3", map[string]any{"vip_level": json.Number("3")}},
	} {
		evs = append(evs, zoned(p.id, "Europe/Malta", reg, p.props))
		for i, at := range []string{"2026-11-01T08:00:00Z", "2026-11-01T20:00:00Z", "2026-11-02T07:00:00Z"} {
			evs = append(evs, ev(p.id+"-login-"+string(rune('a'+i)), p.id, "login", utc(at)))
		}
	}
	handle(t, e, evs...)
	// Every other rule's firings of 2026-11-02 (Monday in the players'
	// zone, Malta's 02:30, UTC's 09:30) before vip_noon's at 11:00 UTC.
	_, err := e.Advance(ctx, utc("2026-11-02T10:00:00Z"))
	require.NoError(t, err)

	before := engine.Fills(e)
	outs, err := e.Advance(ctx, utc("2026-11-02T11:00:00Z"))
	require.NoError(t, err)
	assert.Equal(t, []string{
		"vip Europe/Malta 2026-11-02T12:00 2026-11-02T11:00:00Z issued",
		"vip3 Europe/Malta 2026-11-02T12:00 2026-11-02T11:00:00Z issued",
	}, fired(outs, "vip_noon"), "the members, as before")
	assert.Len(t, outs, 2, "no other rule fired")
	assert.Equal(t, 2, engine.Fills(e)-before, "one history filled per member (its reward), none for the three others")
	for _, o := range outs {
		require.NotNil(t, o.Points, "%s", o.Player)
		assert.Equal(t, "1", o.Points.String(), "%s", o.Player)
	}
}

// TestSegmentOfUnpreparedHistory: a history that does not prepare (EUR
// deposits kept from before the player's currency became USD; the engine
// takes no rates) does not decide a segment, which reads no transaction: a
// player outside it gets nothing from a scheduled run; a member gets the
// history's invalid-input from the reward it is given.
func TestSegmentOfUnpreparedHistory(t *testing.T) {
	ctx := context.Background()
	e := engineFor(t, "basic", openStore(t), engine.Options{})
	for _, p := range []struct{ id, vip string }{{"out", "0"}, {"vip", "1"}} {
		dep := deposit("dep-"+p.id, p.id, utc("2026-10-30T10:00:00Z"), "10", "card")
		dep.Currency = "EUR"
		handle(t, e,
			playerEv("reg-"+p.id, p.id, utc("2026-10-29T00:00:00Z"), "EUR", "", map[string]any{"vip_level": json.Number(p.vip), "country": "MT"}),
			ev("login-"+p.id, p.id, "login", utc("2026-10-30T09:00:00Z")),
			dep,
			playerEv("usd-"+p.id, p.id, utc("2026-10-31T00:00:00Z"), "USD", "", nil),
		)
	}
	_, err := e.Advance(ctx, utc("2026-10-29T00:00:00Z")) // into service
	require.NoError(t, err)
	outs, err := e.Advance(ctx, utc("2026-11-02T00:00:00Z"))
	require.NoError(t, err)
	assert.Equal(t, []string{"weekly_logins vip skipped/invalid-input"}, brief(outs))
}

// TestSegmentOfUnpreparedHistoryOnEvent: the same on an event's trigger: a
// player outside the segment is not-in-segment; a member gets the reward's
// invalid-input, and the offer, which reads no history, is given.
func TestSegmentOfUnpreparedHistoryOnEvent(t *testing.T) {
	ctx := context.Background()
	prog, err := program(`
kind deposit {
	amount: money
}

kind login {
}

player {
	vip_level: number default 0
}

offer newsletter {
	reference "NEWS"
	name "Newsletter"
}

reward deposits_week: amount {
	window last 7 days

	give 10% of sum(deposit.amount)
}

automation vip_login_cash {
	trigger on login
	segment player.vip_level >= 1

	give deposits_week
}

automation vip_login_news {
	trigger on login
	segment player.vip_level >= 1

	give offer newsletter
}
`)
	require.NoError(t, err)
	e, err := engine.New(ctx, prog, openStore(t), engine.Options{})
	require.NoError(t, err)
	var outs []engine.Outcome
	for _, p := range []struct{ id, vip string }{{"out", "0"}, {"vip", "1"}} {
		dep := deposit("dep-"+p.id, p.id, utc("2026-10-30T10:00:00Z"), "10", "card")
		delete(dep.Attrs, "method")
		dep.Currency = "EUR"
		outs = append(outs, handle(t, e,
			playerEv("reg-"+p.id, p.id, utc("2026-10-29T00:00:00Z"), "EUR", "", map[string]any{"vip_level": json.Number(p.vip)}),
			dep,
			playerEv("usd-"+p.id, p.id, utc("2026-10-31T00:00:00Z"), "USD", "", nil),
			ev("login-"+p.id, p.id, "login", utc("2026-10-31T09:00:00Z")),
		)...)
	}
	assert.Equal(t, []string{
		"vip_login_cash out skipped/not-in-segment",
		"vip_login_news out skipped/not-in-segment",
		"vip_login_cash vip skipped/invalid-input",
		"vip_login_news vip issued",
	}, brief(outs))
}
