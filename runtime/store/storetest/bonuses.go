package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bonuses is the lifecycle concern of a fresh store.
func bonuses(t testing.TB, d Driver) store.Bonuses {
	s := d.fresh(t)
	b := implements[store.Bonuses](t, s)
	return b
}

func bonus(activity, player, trigger, amount, currency string) store.Bonus {
	return store.Bonus{Source: store.SourcePromoc, Refs: store.BonusRefs{Activity: activity, ActionGroup: activity, Action: "bonus", TriggerHash: trigger},
		Player: player, Amount: dec(amount), Currency: currency, Granted: t0}
}

func grant(t testing.TB, s store.Bonuses, bs ...store.Bonus) []store.Bonus {
	t.Helper()
	got, err := s.Grant(context.Background(), bs, 0)
	require.NoError(t, err)
	require.Len(t, got, len(bs))
	return got
}

func statusOf(id, bonus string, st store.BonusStatus) store.BonusEvent {
	return store.BonusEvent{ID: id, Bonus: bonus, Status: st, At: t0.Add(time.Hour), Received: t0.Add(time.Hour),
		Body: []byte(fmt.Sprintf(`{"id":%q}`, id))}
}

func report(t testing.TB, s store.Bonuses, es ...store.BonusEvent) []store.BonusResult {
	t.Helper()
	got, err := s.ReportStatus(context.Background(), es)
	require.NoError(t, err)
	require.Len(t, got, len(es))
	return got
}

func testBonusGrant(t *testing.T, d Driver) {
	ctx := context.Background()
	s := bonuses(t, d)
	b := bonus("welcome", "p1", "t1", "10.00", "EUR")
	b.Refs.CommunicationProfile = "welcome_en"
	ft := store.Bonus{Source: store.SourceFastTrack, Refs: store.BonusRefs{Activity: "welcome", Action: "bonus", TriggerHash: "t1", ID: "ft-1"},
		Player: "p1", Code: "FS10", Granted: t0, External: []byte(`{"X-Fasttrack-Id":" ft-1 "}`)}
	got := grant(t, s, b, ft)
	assert.Equal(t, store.BonusID(store.SourcePromoc, "welcome", "bonus", "p1", "t1"), got[0].ID)
	assert.Len(t, got[0].ID, 32)
	assert.NotEqual(t, got[0].ID, got[1].ID, "the same key from another source is another bonus")
	assert.Equal(t, got[0].ID, got[0].Refs.ID, "a promoc bonus's unique id is its id")
	assert.Equal(t, "ft-1", got[1].Refs.ID)
	assert.Equal(t, "welcome", got[0].Campaign, "the campaign defaults to the activity")
	assert.Equal(t, store.BonusCreated, got[0].Status)
	assert.False(t, got[0].Repeat)
	assert.Less(t, got[0].Seq, got[1].Seq)

	again := b
	again.Amount, again.Code = dec("99"), "OTHER"
	ft2 := ft
	ft2.Refs.ID, ft2.External = "ft-2", []byte(`{"X-Fasttrack-Id":"ft-2"}`)
	rep := grant(t, s, again, ft2)
	assert.True(t, rep[0].Repeat && rep[1].Repeat, "granted twice")
	assertDec(t, "10.00", rep[0].Amount, "the first grant stays")
	assert.Equal(t, "ft-1", rep[1].Refs.ID, "the first request's references stay, whatever its Id")
	assert.Equal(t, `{"X-Fasttrack-Id":" ft-1 "}`, string(rep[1].External), "kept byte for byte")

	one, ok, err := s.Bonus(ctx, got[1].ID)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, got[1].Refs, one.Refs)
	assert.Equal(t, "FS10", one.Code)
	assert.True(t, one.Amount.IsZero())
	_, ok, err = s.Bonus(ctx, "nope")
	require.NoError(t, err)
	assert.False(t, ok)

	list, err := s.ListBonuses(ctx, "", 0, 10)
	require.NoError(t, err)
	assert.Len(t, list, 2, "a repeat grants nothing")
	list, err = s.ListBonuses(ctx, "", list[0].Seq, 10)
	require.NoError(t, err)
	assert.Len(t, list, 1)

	for _, bad := range []store.Bonus{
		{Source: store.SourcePromoc, Refs: store.BonusRefs{Activity: "a", Action: "b", TriggerHash: "t"}, Granted: t0},                   // no player
		{Refs: store.BonusRefs{Activity: "a", Action: "b", TriggerHash: "t"}, Player: "p", Granted: t0},                                  // no source
		{Source: store.SourcePromoc, Refs: store.BonusRefs{Activity: "a", Action: "b"}, Player: "p", Granted: t0},                        // no trigger
		{Source: store.SourcePromoc, Refs: store.BonusRefs{Activity: "a", Action: "b", TriggerHash: "t"}, Player: "p", Amount: dec("1")}, // no time
	} {
		_, err := s.Grant(ctx, []store.Bonus{bad}, 0)
		assert.ErrorIs(t, err, store.ErrBonus)
	}
	_, err = s.Grant(ctx, []store.Bonus{bonus("x", "p2", "t", "1.000000001", "EUR")}, 0)
	assert.ErrorIs(t, err, store.ErrAmount, "more decimals than the store keeps")
	_, err = s.Grant(ctx, []store.Bonus{bonus("x", "p2", "t", "5", "")}, 0)
	assert.ErrorIs(t, err, store.ErrBonus, "an amount without a currency")

	c, err := s.BonusCursor(ctx)
	require.NoError(t, err)
	assert.Zero(t, c)
	_, err = s.Grant(ctx, []store.Bonus{bonus("x", "p2", "t", "1", "EUR")}, 7)
	require.NoError(t, err)
	_, err = s.Grant(ctx, nil, 5)
	require.NoError(t, err)
	c, err = s.BonusCursor(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(7), c, "the cursor never moves back")
}

func testBonusStatus(t *testing.T, d Driver) {
	ctx := context.Background()
	s := bonuses(t, d)
	bs := grant(t, s, bonus("welcome", "p1", "t1", "10.00", "EUR"), bonus("welcome", "p2", "t1", "20.00", "EUR"),
		bonus("welcome", "p3", "t1", "30.00", "EUR"))
	b1, b2, b3 := bs[0].ID, bs[1].ID, bs[2].ID

	done := statusOf("e1", b1, store.BonusCompleted)
	done.Amount, done.HasAmount = dec("7.50"), true
	r := report(t, s, done)[0]
	assert.Equal(t, store.BonusApplied, r.Result)
	assert.Equal(t, store.BonusCompleted, r.Bonus.Status)
	assertDec(t, "7.50", r.Bonus.Real, "the amount the event says turned real")

	// The same event again: nothing changes.
	r = report(t, s, done)[0]
	assert.Equal(t, store.BonusDuplicate, r.Result)
	assert.Equal(t, store.BonusCompleted, r.Bonus.Status)
	// The same id with other content: kept as an anomaly.
	other := done
	other.Amount = dec("8")
	r = report(t, s, other)[0]
	assert.Equal(t, store.AnomalyEventConflict, r.Anomaly)
	// Another terminal status: an anomaly, not applied.
	r = report(t, s, statusOf("e2", b1, store.BonusForfeited))[0]
	assert.Equal(t, store.BonusAnomalous, r.Result)
	assert.Equal(t, store.AnomalyTerminalAgain, r.Anomaly)
	assert.Equal(t, store.BonusCompleted, r.Bonus.Status, "the first terminal status stays")
	// Completed again under a new id: never applied twice.
	r = report(t, s, statusOf("e3", b1, store.BonusCompleted))[0]
	assert.Equal(t, store.AnomalyTerminalAgain, r.Anomaly)
	r = report(t, s, statusOf("e4", b1, store.BonusCreated))[0]
	assert.Equal(t, store.AnomalyCreatedAfter, r.Anomaly, "Created after a terminal status is out of order")
	// A repeated anomaly is reported once.
	r = report(t, s, statusOf("e2", b1, store.BonusForfeited))[0]
	assert.Equal(t, store.BonusDuplicate, r.Result)

	// Created confirms; Completed without an amount turns the granted amount real.
	rs := report(t, s, statusOf("e5", b2, store.BonusCreated), statusOf("e6", b2, store.BonusCompleted))
	assert.Equal(t, store.BonusApplied, rs[0].Result)
	assert.Equal(t, store.BonusCreated, rs[0].Bonus.Status)
	assertDec(t, "20.00", rs[1].Bonus.Real, "the amount granted turned real")

	// Found by references instead of its id.
	byRefs := statusOf("e7", "", store.BonusExpired)
	byRefs.Refs, byRefs.Player = store.BonusRefs{Activity: "welcome", Action: "bonus", TriggerHash: "t1"}, "p3"
	r = report(t, s, byRefs)[0]
	assert.Equal(t, store.BonusApplied, r.Result)
	assert.Equal(t, b3, r.Bonus.ID)
	assert.Equal(t, store.BonusExpired, r.Bonus.Status)
	assert.True(t, r.Bonus.Real.IsZero(), "nothing turned real")

	// Unknown references: kept, and applied when delivered again after
	// the bonus is granted.
	lost := statusOf("e8", "", store.BonusLost)
	lost.Refs, lost.Player = store.BonusRefs{Activity: "later", Action: "bonus", TriggerHash: "t9"}, "p4"
	r = report(t, s, lost)[0]
	assert.Equal(t, store.AnomalyUnknownBonus, r.Anomaly)
	r = report(t, s, lost)[0]
	assert.Equal(t, store.AnomalyUnknownBonus, r.Anomaly, "still unknown")
	r = report(t, s, statusOf("e9", "", store.BonusLost))[0]
	assert.Equal(t, store.AnomalyUnknownBonus, r.Anomaly, "no references at all")
	grant(t, s, bonus("later", "p4", "t9", "5", "EUR"))
	r = report(t, s, lost)[0]
	assert.Equal(t, store.BonusApplied, r.Result)
	assert.Equal(t, store.BonusLost, r.Bonus.Status)

	// References that contradict the bonus named by its id.
	bs = grant(t, s, bonus("welcome", "p5", "t1", "1", "EUR"), bonus("welcome", "p6", "t1", "1", "EUR"))
	wrong := statusOf("e10", bs[0].ID, store.BonusCompleted)
	wrong.Player = "p9"
	r = report(t, s, wrong)[0]
	assert.Equal(t, store.AnomalyReferencesMismatch, r.Anomaly)
	cur := statusOf("e11", bs[1].ID, store.BonusCompleted)
	cur.Amount, cur.HasAmount, cur.Currency = dec("1"), true, "USD"
	r = report(t, s, cur)[0]
	assert.Equal(t, store.AnomalyCurrencyMismatch, r.Anomaly)
	assert.Equal(t, store.BonusCreated, r.Bonus.Status)

	// A bonus granted without an amount (a bonus code) takes the currency
	// of the amount that turned real.
	code := bonus("welcome", "p7", "t1", "0", "")
	code.Code = "FREESPINS"
	fs := grant(t, s, code)[0]
	spun := statusOf("e12", fs.ID, store.BonusCompleted)
	spun.Amount, spun.HasAmount, spun.Currency = dec("3.20"), true, "EUR"
	r = report(t, s, spun)[0]
	assert.Equal(t, store.BonusApplied, r.Result)
	assert.Equal(t, "EUR", r.Bonus.Currency)
	assertDec(t, "3.20", r.Bonus.Real, "the winnings of the free spins turned real")

	// Bad events are refused whole.
	before, err := s.BonusEvents(ctx, "", 0, 100)
	require.NoError(t, err)
	for _, bad := range []store.BonusEvent{{ID: "", Bonus: b1, Status: store.BonusLost}, {ID: "x", Bonus: b1, Status: "Won"},
		{ID: "y", Bonus: b1, Status: store.BonusCompleted, Amount: dec("-1"), HasAmount: true}} {
		_, err := s.ReportStatus(ctx, []store.BonusEvent{statusOf("ok", bs[0].ID, store.BonusLost), bad})
		assert.Error(t, err)
	}
	after, err := s.BonusEvents(ctx, "", 0, 100)
	require.NoError(t, err)
	assert.Equal(t, before, after, "a refused batch wrote nothing")
	got, _, err := s.Bonus(ctx, bs[0].ID)
	require.NoError(t, err)
	assert.Equal(t, store.BonusCreated, got.Status)

	evs, err := s.BonusEvents(ctx, b1, 0, 100)
	require.NoError(t, err)
	var results []string
	for _, e := range evs {
		results = append(results, e.ID+":"+e.Result)
	}
	assert.Equal(t, []string{"e1:applied", "e2:terminal-after-terminal", "e3:terminal-after-terminal", "e4:created-after-terminal"}, results)
	assertDec(t, "7.5", evs[0].Amount, "the event's amount")

	as, err := s.BonusAnomalies(ctx, 0, 100)
	require.NoError(t, err)
	var kinds []string
	for _, a := range as {
		k := a.Event + ":" + a.Kind
		if !a.Resolved.IsZero() {
			k += ":resolved"
		}
		kinds = append(kinds, k)
	}
	assert.Equal(t, []string{"e1:event-conflict", "e2:terminal-after-terminal", "e3:terminal-after-terminal",
		"e4:created-after-terminal", "e8:unknown-bonus:resolved", "e9:unknown-bonus", "e10:references-mismatch", "e11:currency-mismatch"}, kinds)
	assert.JSONEq(t, `{"id":"e2"}`, string(as[1].Body), "the event as received")
}

// testBonusStatusBeforeGrant: a status dated more than BonusGrantSkew
// before its bonus's grant changed before the bonus existed, an impossible
// sequence: kept as an anomaly, status-before-grant, and not applied. One
// within the skew (the clocks of two systems), or with no time, is applied.
func testBonusStatusBeforeGrant(t *testing.T, d Driver) {
	ctx := context.Background()
	s := bonuses(t, d)
	bs := grant(t, s, bonus("welcome", "p1", "t1", "10.00", "EUR"), bonus("welcome", "p2", "t1", "20.00", "EUR"),
		bonus("welcome", "p3", "t1", "30.00", "EUR"), bonus("welcome", "p4", "t1", "40.00", "EUR"))
	for _, tc := range []struct {
		name   string
		bonus  string
		status store.BonusStatus
		at     time.Time // zero: the event gives no time
		want   string    // applied, or the anomaly
		after  store.BonusStatus
	}{
		{"completed a day before the grant", bs[0].ID, store.BonusCompleted, t0.Add(-24 * time.Hour), store.AnomalyBeforeGrant, store.BonusCreated},
		{"created a second past the skew", bs[1].ID, store.BonusCreated, t0.Add(-store.BonusGrantSkew - time.Second), store.AnomalyBeforeGrant, store.BonusCreated},
		{"expired at the skew's edge", bs[1].ID, store.BonusExpired, t0.Add(-store.BonusGrantSkew), store.BonusApplied, store.BonusExpired},
		{"completed within the skew", bs[2].ID, store.BonusCompleted, t0.Add(-time.Minute), store.BonusApplied, store.BonusCompleted},
		{"lost with no time", bs[3].ID, store.BonusLost, time.Time{}, store.BonusApplied, store.BonusLost},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := statusOf("ev-"+tc.name, tc.bonus, tc.status)
			e.At = tc.at
			r := report(t, s, e)[0]
			if tc.want == store.BonusApplied {
				assert.Equal(t, store.BonusApplied, r.Result, r.Detail)
			} else {
				assert.Equal(t, store.BonusAnomalous, r.Result)
				assert.Equal(t, tc.want, r.Anomaly)
				assert.Contains(t, r.Detail, "before the bonus was granted at "+t0.UTC().Format(time.RFC3339Nano))
			}
			assert.Equal(t, tc.after, r.Bonus.Status)
		})
	}
	// The anomaly is kept with the event, and the event sent again is a
	// duplicate: the bonus stays Created, open to a status that can be.
	as, err := s.BonusAnomalies(ctx, 0, 100)
	require.NoError(t, err)
	var kinds []string
	for _, a := range as {
		kinds = append(kinds, a.Event+":"+a.Kind)
	}
	assert.Equal(t, []string{"ev-completed a day before the grant:status-before-grant", "ev-created a second past the skew:status-before-grant"}, kinds)
	e := statusOf("ev-completed a day before the grant", bs[0].ID, store.BonusCompleted)
	e.At = t0.Add(-24 * time.Hour)
	assert.Equal(t, store.BonusDuplicate, report(t, s, e)[0].Result)
	r := report(t, s, statusOf("ev-completed", bs[0].ID, store.BonusCompleted))[0]
	assert.Equal(t, store.BonusApplied, r.Result)
	assert.Equal(t, store.BonusCompleted, r.Bonus.Status)
}

func testBonusTotals(t *testing.T, d Driver) {
	ctx := context.Background()
	s := bonuses(t, d)
	day2 := t0.Add(24 * time.Hour)
	b := bonus("welcome", "p4", "t1", "0.2", "EUR")
	b.Granted = day2
	bs := grant(t, s, bonus("welcome", "p1", "t1", "0.1", "EUR"), bonus("welcome", "p2", "t1", "0.1", "EUR"),
		bonus("welcome", "p3", "t1", "1000", "JPY"), b, bonus("cashback", "p1", "t1", "5", "EUR"))
	done := statusOf("c1", bs[0].ID, store.BonusCompleted)
	done.At = day2
	lost := statusOf("c2", bs[1].ID, store.BonusLost)
	forfeited := statusOf("c4", bs[3].ID, store.BonusForfeited) // after its grant on day 2
	forfeited.At, forfeited.Received = day2.Add(time.Hour), day2.Add(time.Hour)
	report(t, s, done, lost, statusOf("c3", bs[2].ID, store.BonusExpired), forfeited,
		statusOf("c5", bs[0].ID, store.BonusLost), done)

	tot, err := s.BonusTotals(ctx, "")
	require.NoError(t, err)
	require.Len(t, tot, 3)
	assert.Equal(t, "cashback", tot[0].Campaign)
	w := tot[1]
	assert.Equal(t, []string{"promoc", "welcome", "EUR"}, []string{w.Source, w.Campaign, w.Currency})
	assertDec(t, "0.4", w.Granted, "0.1 + 0.1 + 0.2, exactly")
	assertDec(t, "0.1", w.Real, "turned real")
	assert.Equal(t, [5]int64{3, 1, 1, 1, 0}, [5]int64{w.Count, w.Completed, w.Forfeited, w.Lost, w.Expired},
		"each event counted once: the repeat and the terminal status after a terminal one are not")
	j := tot[2]
	assert.Equal(t, "JPY", j.Currency)
	assert.Equal(t, [5]int64{1, 0, 0, 0, 1}, [5]int64{j.Count, j.Completed, j.Forfeited, j.Lost, j.Expired})

	one, err := s.BonusTotals(ctx, "cashback")
	require.NoError(t, err)
	require.Len(t, one, 1)
	assertDec(t, "5", one[0].Granted, "one campaign")

	days, err := s.BonusDays(ctx, "welcome")
	require.NoError(t, err)
	var got []string
	for _, d := range days {
		got = append(got, fmt.Sprintf("%s %s %s %s", d.Currency, d.Day.Format(time.DateOnly), d.Granted.String(), d.Real.String()))
	}
	assert.Equal(t, []string{"EUR 2026-12-06 0.2 0", "EUR 2026-12-07 0.2 0.1", "JPY 2026-12-06 1000 0"}, got)
}

// testBonusRace sends 16 different terminal statuses for one bonus at
// once, and one Completed under 16 ids: exactly one is applied, the
// others are kept as anomalies.
func testBonusRace(t *testing.T, d Driver) {
	ctx := context.Background()
	s := bonuses(t, d)
	b := grant(t, s, bonus("welcome", "p1", "t1", "10", "EUR"))[0]
	const workers = 16
	statuses := store.BonusStatuses[1:]
	var wg sync.WaitGroup
	results := make([]store.BonusResult, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.ReportStatus(ctx, []store.BonusEvent{statusOf(fmt.Sprint("race-", w), b.ID, statuses[w%len(statuses)])})
			if assert.NoError(t, err) {
				results[w] = r[0]
			}
		}()
	}
	wg.Wait()
	applied := 0
	for _, r := range results {
		if r.Result == store.BonusApplied {
			applied++
		} else {
			assert.Equal(t, store.AnomalyTerminalAgain, r.Anomaly)
		}
	}
	assert.Equal(t, 1, applied, "one terminal status applied of %d sent at once", workers)
	tot, err := s.BonusTotals(ctx, "")
	require.NoError(t, err)
	require.Len(t, tot, 1)
	assert.Equal(t, int64(1), tot[0].Completed+tot[0].Forfeited+tot[0].Lost+tot[0].Expired)
	as, err := s.BonusAnomalies(ctx, 0, 100)
	require.NoError(t, err)
	assert.Len(t, as, workers-1, "every status not applied is kept")
	t.Logf("%s: %d terminal statuses of one bonus at once: 1 applied, %d anomalies", d.Name, workers, len(as))
}
