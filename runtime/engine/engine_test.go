package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

func compile(t testing.TB, dir string) *runtime.Program {
	t.Helper()
	prog, err := runtime.Compile(os.DirFS(dir))
	require.NoError(t, err)
	return prog
}

func openStore(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlite.OpenFresh(context.Background(), filepath.Join(t.TempDir(), "promoc.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

func newEngine(t testing.TB, st store.Store) *engine.Engine {
	t.Helper()
	e, err := engine.New(context.Background(), compile(t, "testdata/basic"), st, engine.Options{})
	require.NoError(t, err)
	return e
}

var t0 = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) // a Monday

// ev makes an event; attrs alternate name and value.
func ev(id, player, kind string, at time.Time, attrs ...string) engine.Event {
	e := engine.Event{ID: id, Player: player, Kind: kind, Time: at, Attrs: map[string]any{}}
	for i := 0; i+1 < len(attrs); i += 2 {
		v := attrs[i+1]
		if strings.ContainsAny(v[:1], "0123456789") {
			e.Attrs[attrs[i]] = json.Number(v)
		} else {
			e.Attrs[attrs[i]] = v
		}
	}
	return e
}

func playerEv(id, player string, at time.Time, cur, zone string, props map[string]any) engine.Event {
	return engine.Event{ID: id, Player: player, Kind: engine.KindPlayer, Time: at, Currency: cur, Zone: zone, Properties: props}
}

// brief writes outcomes as "rule player status[/reason] [amount]".
func brief(outs []engine.Outcome) []string {
	var s []string
	for _, o := range outs {
		b := o.Rule + " " + o.Player + " " + o.Status
		if o.Reason != "" {
			b += "/" + o.Reason
		}
		if o.Amount != nil {
			b += " " + o.Amount.String() + " " + o.Currency
		}
		if o.Points != nil {
			b += " " + o.Points.String() + "pts"
		}
		s = append(s, b)
	}
	return s
}

func handle(t testing.TB, e *engine.Engine, evs ...engine.Event) []engine.Outcome {
	t.Helper()
	outs, err := e.Handle(context.Background(), evs)
	require.NoError(t, err)
	return outs
}

func TestFirstDepositBudget(t *testing.T) {
	st := openStore(t)
	e := newEngine(t, st)
	var got []string
	for i := range 4 {
		p := fmt.Sprintf("p%d", i)
		got = append(got, brief(handle(t, e,
			playerEv("reg-"+p, p, t0, "EUR", "Europe/Malta", nil),
			ev("d1-"+p, p, "deposit", t0.Add(time.Minute), "amount", "50", "method", "card"),
			ev("d2-"+p, p, "deposit", t0.Add(2*time.Minute), "amount", "50", "method", "card"),
		))...)
	}
	assert.Equal(t, []string{
		"first_deposit_bonus p0 issued 10.00 EUR",
		"first_deposit_bonus p1 issued 10.00 EUR",
		"first_deposit_bonus p2 skipped/budget-exhausted 10.00 EUR",
		"first_deposit_bonus p3 skipped/campaign-suspended 10.00 EUR",
	}, got)
	bs, err := st.Budgets(context.Background(), "first_deposit_bonus")
	require.NoError(t, err)
	require.Len(t, bs, 1)
	assert.Equal(t, "20", bs[0].Posted.String())
	c, err := st.Campaign(context.Background(), "first_deposit_bonus")
	require.NoError(t, err)
	assert.Equal(t, store.Suspended, c.Status)
}

func TestReplayGivesNothing(t *testing.T) {
	st := openStore(t)
	evs := []engine.Event{
		playerEv("reg", "p", t0, "EUR", "", nil),
		ev("d1", "p", "deposit", t0.Add(time.Minute), "amount", "30", "method", "card"),
	}
	e := newEngine(t, st)
	assert.Len(t, handle(t, e, evs...), 1)
	assert.Empty(t, handle(t, e, evs...))
	assert.Equal(t, int64(2), e.Duplicates())
	// A fresh engine on the same store: the store knows the ids.
	assert.Empty(t, handle(t, newEngine(t, st), evs...))
	// The same id with other content is refused, and nothing is stored.
	bad := ev("d1", "p", "deposit", t0.Add(time.Minute), "amount", "31", "method", "card")
	_, err := e.Handle(context.Background(), []engine.Event{ev("d9", "p", "deposit", t0.Add(time.Hour), "amount", "1", "method", "card"), bad})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `event "d1": id: `)
	seen, err := st.Seen(context.Background(), []store.Event{{Player: "p", ID: "d9"}})
	require.NoError(t, err)
	assert.Equal(t, store.NotSeen, seen[0])
}

func TestEveryNWithQualification(t *testing.T) {
	e := newEngine(t, openStore(t))
	p := "p"
	evs := []engine.Event{playerEv("reg", p, t0, "EUR", "", nil)}
	at := t0
	bet := func(n int) {
		for range n {
			at = at.Add(time.Minute)
			evs = append(evs, ev(fmt.Sprintf("b%d", len(evs)), p, "bet", at, "amount", "10", "game", "g"))
		}
	}
	bet(2) // before qualifying: not counted
	at = at.Add(time.Minute)
	evs = append(evs, ev("q1", p, "deposit", at, "amount", "100", "method", "card"))
	bet(7) // two batches of three fire; one left over
	bet(2) // the third batch: over the qualification's limit of 2
	got := brief(handle(t, e, evs...))
	assert.Equal(t, []string{
		"first_deposit_bonus p issued 10.00 EUR",
		"every_three_bets p issued 3.00 EUR",
		"every_three_bets p issued 3.00 EUR",
		"every_three_bets p skipped/qualification-limit",
	}, got)
}

func TestInactivity(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, openStore(t))
	handle(t, e, playerEv("reg", "p", t0, "EUR", "", nil), ev("l1", "p", "login", t0))
	// Exactly 7 days is not more than 7 days.
	outs, err := e.Advance(ctx, t0.Add(7*24*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, brief(outs))
	next, ok, err := e.NextDue(ctx, t0)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, t0.Add(7*24*time.Hour+time.Nanosecond), next)
	outs, err = e.Advance(ctx, t0.Add(8*24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, []string{"win_back p issued 50pts"}, brief(outs))
	// Once per inactivity.
	outs, err = e.Advance(ctx, t0.Add(20*24*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, outs, "the player is in no segment of weekly_logins, and win_back fired")
}

func TestManualApprovalAndRecalculate(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	e := newEngine(t, st)
	outs := handle(t, e, playerEv("reg", "p", t0, "EUR", "", nil), ev("d1", "p", "deposit", t0.Add(time.Minute), "amount", "2000", "method", "card"))
	assert.Equal(t, []string{"first_deposit_bonus p issued 10.00 EUR", "big_deposits p waiting 1000.00 EUR"}, brief(outs))
	ws, err := st.Waiting(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, ws, 1)
	// Recalculating with the same rules gives the same amount.
	re, err := e.Recalculate(ctx, t0.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, []string{"big_deposits p waiting 1000.00 EUR"}, brief(re))
}

func TestReasonsOfTheStore(t *testing.T) {
	assert.Equal(t, store.ReasonBudgetExhausted, engine.ReasonBudgetExhausted)
	assert.Equal(t, store.ReasonCampaignSuspended, engine.ReasonCampaignSuspended)
}

func TestStateAndPrune(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	e := newEngine(t, st)
	handle(t, e, playerEv("reg", "p", t0, "EUR", "Europe/Malta", map[string]any{"vip_level": json.Number("2")}),
		ev("b1", "p", "bet", t0.Add(time.Minute), "amount", "5", "game", "g"))
	ps, err := e.State(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, "EUR", ps.Currency)
	assert.Equal(t, "Europe/Malta", ps.Zone)
	assert.Equal(t, json.Number("2"), ps.Properties["vip_level"])
	assert.Equal(t, 1, ps.Events)
	// The rules' windows reach back without bound (no window), so the
	// history kept is the retention: 90 days by default.
	assert.Equal(t, 90*24*time.Hour, e.History())
	n, err := e.Prune(ctx, t0.Add(30*24*time.Hour))
	require.NoError(t, err)
	assert.Zero(t, n)
	n, err = e.Prune(ctx, t0.Add(92*24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "the bet's body is dropped (a player event keeps none)")
	// A redelivery of the pruned event is still a duplicate.
	assert.Empty(t, handle(t, newEngine(t, st), ev("b1", "p", "bet", t0.Add(time.Minute), "amount", "5", "game", "g")))
}

func TestScheduleOutcomeTimesAreUTC(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, openStore(t))
	handle(t, e, playerEv("reg", "p", t0, "EUR", "Europe/Malta", map[string]any{"vip_level": json.Number("1")}), ev("l1", "p", "login", t0))
	_, err := e.Advance(ctx, t0) // into service
	require.NoError(t, err)
	outs, err := e.Advance(ctx, t0.Add(7*24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, []string{"weekly_logins p issued 1pts"}, brief(outs))
	// Monday 00:00 in Malta (UTC+1 in November), written in UTC.
	b, err := json.Marshal(outs[0])
	require.NoError(t, err)
	assert.Contains(t, string(b), `"time":"2026-11-08T23:00:00Z","firing":"Europe/Malta 2026-11-09T00:00"}`)
	assert.Contains(t, string(b), `"at":"2026-11-08T23:00:00Z"`)
}

// A player who comes after a firing time, in a zone the schedule has not
// run in yet, is not in that (missed) firing: a replay, which knows the
// zone from the start, gives what the first run gave.
func TestScheduleSkipsPlayersNewerThanTheFiring(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, openStore(t))
	vip := map[string]any{"vip_level": json.Number("1")}
	handle(t, e, playerEv("reg1", "p1", t0, "EUR", "Europe/Malta", vip), ev("l1", "p1", "login", t0))
	_, err := e.Advance(ctx, t0) // into service, Monday 10:00 UTC
	require.NoError(t, err)
	// p2 comes on Tuesday, in a zone new to the schedule; its Monday
	// 00:00 (11:00 UTC) passed after the schedule went into service, but
	// before p2 was known.
	tue := t0.Add(24 * time.Hour)
	handle(t, e, playerEv("reg2", "p2", tue, "EUR", "Pacific/Pago_Pago", vip), ev("l2", "p2", "login", tue))
	outs, err := e.Advance(ctx, t0.Add(6*24*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, brief(outs))
	outs, err = e.Advance(ctx, t0.Add(8*24*time.Hour))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"win_back p1 issued 50pts", "weekly_logins p1 issued 1pts", "weekly_logins p2 issued 1pts"}, brief(outs))
}

// An inactivity whose due time passed without an Advance (a scheduler's
// tick, downtime) fires before the event that ends it, as of its due
// time, and once: the timer's own firing later finds it done.
func TestOverdueInactivityFiresBeforeTheEventThatEndsIt(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, openStore(t))
	handle(t, e, playerEv("reg", "p", t0, "EUR", "", nil), ev("l1", "p", "login", t0))
	outs := handle(t, e, ev("l2", "p", "login", t0.Add(10*24*time.Hour)))
	require.Equal(t, []string{"win_back p issued 50pts"}, brief(outs))
	assert.Equal(t, "inactive", outs[0].Trigger.Type)
	assert.Equal(t, t0.Add(7*24*time.Hour+time.Nanosecond), outs[0].Trigger.Time)
	got, err := e.Advance(ctx, t0.Add(10*24*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, brief(got))
	// Exactly 7 days later is not overdue.
	e2 := newEngine(t, openStore(t))
	handle(t, e2, playerEv("reg", "q", t0, "EUR", "", nil), ev("l1", "q", "login", t0))
	assert.Empty(t, brief(handle(t, e2, ev("l2", "q", "login", t0.Add(7*24*time.Hour)))))
	// An event of another kind does not end an inactivity since login.
	assert.Empty(t, brief(handle(t, e2, ev("b1", "q", "bet", t0.Add(20*24*time.Hour), "amount", "1", "game", "g"))))
}
