package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func eraserOf(t testing.TB, s store.Store) store.Eraser {
	t.Helper()
	e := implements[store.Eraser](t, s)
	return e
}

// playerChange is everything of one event of a player: the event with a
// body, two states, a timer, the player's properties and outcomes.
func playerChange(player, event string, outs ...store.Outcome) store.Change {
	return store.Change{
		Event:    &store.Event{Player: player, ID: event, Hash: []byte("h-" + event), Kind: "deposit", At: t0, Body: []byte(`{"amount":"10"}`)},
		States:   []store.State{{Player: player, Rule: "@player", Data: []byte(`{"name":"Ann"}`)}, {Player: player, Rule: "r", Data: []byte(`{"n":1}`)}},
		Timers:   []store.Timer{{Player: player, Rule: "r", Due: t0.Add(time.Hour)}},
		Players:  []store.Player{{ID: player, Zone: "Europe/Malta", Props: []byte(`{"id":"` + player + `","email":"ann@example.com"}`)}},
		Outcomes: outs,
	}
}

func testErasure(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	er := eraserOf(t, s)
	require.NoError(t, s.SetBudget(ctx, "vip", "EUR", dec("100"), t0))
	a := apply(t, s, playerChange("p1", "e1", give(key("p1", "t1"), store.Issued, "vip", "10", "EUR"), give(key("p1", "t2"), store.Waiting, "vip", "20", "EUR")),
		playerChange("p2", "e1", give(key("p2", "t1"), store.Issued, "vip", "5", "EUR")))
	require.NoError(t, a[0].Err)
	require.NoError(t, a[1].Err)
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "spa"}))
	_, err := s.Assign(ctx, "spa", []string{"p1", "p2"}, t0)
	require.NoError(t, err)
	last, err := er.LastErasure(ctx)
	require.NoError(t, err)
	assert.Zero(t, last)

	// A scrub that fails: nothing of the erasure is written.
	_, err = er.Erase(ctx, store.Erasure{Player: "p1", Pseudonym: "erased:x", At: t0,
		Scrub: func([]byte) ([]byte, error) { return nil, errors.New("bad body") }})
	require.Error(t, err)
	states, err := s.States(ctx, "p1")
	require.NoError(t, err)
	assert.Len(t, states, 2, "a failed erasure changed nothing")
	assertDec(t, "20", budget(t, s, "vip", "EUR").Reserved, "still reserved")
	for _, bad := range []store.Erasure{{Player: "p1", Scrub: scrubbed}, {Player: "p1", Pseudonym: "p1", Scrub: scrubbed}, {Player: "p1", Pseudonym: "x"}, {Pseudonym: "x", Scrub: scrubbed}} {
		_, err := er.Erase(ctx, bad)
		assert.Error(t, err, "%+v", bad)
	}

	at := t0.Add(time.Hour)
	got, err := er.Erase(ctx, store.Erasure{Player: "p1", Pseudonym: "erased:x", Scrub: scrubbed, RejectReason: "player-erased", At: at})
	require.NoError(t, err)
	assert.Positive(t, got.Seq)
	got.Seq = 0
	assert.Equal(t, store.Erased{Found: true, Events: 1, States: 2, Timers: 1, Players: 1,
		Outcomes: 3, Ledger: 3, Keys: 2, Assignments: 1, Rejected: 1}, got,
		"outcomes: issued, waiting and its rejection; ledger: post, reserve, void")
	last, err = er.LastErasure(ctx)
	require.NoError(t, err)
	assert.Positive(t, last)

	// The aggregates are kept: the budget's totals, checked against the
	// ledger; the waiting result's reservation is back.
	b := budget(t, s, "vip", "EUR")
	assertDec(t, "15", b.Posted, "posted")
	assertDec(t, "0", b.Reserved, "reserved")
	// The outcomes are kept with their amounts, under the pseudonym, their
	// bodies scrubbed; the rejection is logged.
	var kept []store.Outcome
	for _, o := range allOutcomes(t, s) {
		assert.NotEqual(t, "p1", o.Key.Player)
		if o.Key.Player == "erased:x" {
			kept = append(kept, o)
			assert.Equal(t, `{"scrubbed":true}`, string(o.Body))
		}
	}
	require.Len(t, kept, 3)
	assert.Equal(t, []store.Status{store.Issued, store.Waiting, store.Rejected}, []store.Status{kept[0].Status, kept[1].Status, kept[2].Status})
	assertDec(t, "10", kept[0].Amount, "issued amount")
	assert.Equal(t, "player-erased", kept[2].Reason)
	waiting, err := s.Waiting(ctx, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, waiting)

	// The player's data and history are gone; p2's are not.
	states, err = s.States(ctx, "p1")
	require.NoError(t, err)
	assert.Empty(t, states)
	hist, err := s.History(ctx, "p1", t0.Add(-time.Hour))
	require.NoError(t, err)
	assert.Empty(t, hist)
	_, ok, err := s.Player(ctx, "p1")
	require.NoError(t, err)
	assert.False(t, ok)
	due, err := s.Due(ctx, t0.Add(2*time.Hour), 10)
	require.NoError(t, err)
	require.Len(t, due, 1)
	assert.Equal(t, "p2", due[0].Player)
	seen, err := s.Seen(ctx, []store.Event{{Player: "p1", ID: "e1", Hash: []byte("h-e1")}, {Player: "p2", ID: "e1", Hash: []byte("h-e1")}})
	require.NoError(t, err)
	assert.Equal(t, []store.SeenStatus{store.NotSeen, store.SeenSame}, seen)
	as, err := s.Assignments(ctx, "spa")
	require.NoError(t, err)
	require.Len(t, as, 2)
	assert.ElementsMatch(t, []string{"erased:x", "p2"}, []string{as[0].Player, as[1].Player})
	// A point of sale confirms both: recorded, the erased player's marked.
	for _, a := range as {
		got, err := s.Confirm(ctx, a.Ref, "POS-"+a.Player, at)
		require.NoError(t, err)
		assert.Equal(t, a.Player == "erased:x", got.Erased, "confirmation of %s's assignment", a.Player)
		assert.Equal(t, "POS-"+a.Player, got.Confirmation)
	}
	states, err = s.States(ctx, "p2")
	require.NoError(t, err)
	assert.Len(t, states, 2)

	// Erasing again finds nothing.
	again, err := er.Erase(ctx, store.Erasure{Player: "p1", Pseudonym: "erased:y", Scrub: scrubbed, At: at})
	require.NoError(t, err)
	assert.Equal(t, store.Erased{}, again)
	l2, err := er.LastErasure(ctx)
	require.NoError(t, err)
	assert.Equal(t, last, l2)

	// An engine that cached the erased player's states before the
	// erasure conflicts, in a batch too: its versions are not stored any
	// more. The batch's other change is written.
	stale := playerChange("p1", "e2")
	stale.States = []store.State{{Player: "p1", Rule: "r", Version: 1, Data: []byte(`{"n":2}`)}}
	other := playerChange("p2", "e2")
	other.States = []store.State{{Player: "p2", Rule: "r", Version: 1, Data: []byte(`{"n":2}`)}}
	a = apply(t, s, stale, other)
	assert.ErrorIs(t, a[0].Err, store.ErrStateConflict)
	require.NoError(t, a[1].Err)
	assert.Equal(t, []int64{2}, a[1].Versions)
	states, err = s.States(ctx, "p1")
	require.NoError(t, err)
	assert.Empty(t, states, "the stale change wrote nothing")

	// A later event of the id is a new player's: not a duplicate, and its
	// action keys are free again.
	a = apply(t, s, playerChange("p1", "e1", give(key("p1", "t1"), store.Issued, "vip", "10", "EUR")))
	require.NoError(t, a[0].Err)
	assert.False(t, a[0].Duplicate)
	assert.False(t, a[0].Outcomes[0].Repeat)
	assertDec(t, "25", budget(t, s, "vip", "EUR").Posted, "posted")
}

func scrubbed([]byte) ([]byte, error) { return []byte(`{"scrubbed":true}`), nil }

// testEraseAudit: an erasure with ScrubAudit rewrites, in its
// transaction, the audit entries whose target, before or after name the
// player (as it is or escaped in JSON), keeping their sequence, time,
// actor and action; the entries that name another player or no one are
// neither offered nor changed. A ScrubAudit that fails fails the erasure:
// nothing of it is written. The log takes entries again afterwards.
func testEraseAudit(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	er := eraserOf(t, s)
	const player = "p<1" // JSON writes it "p\u003c1"
	require.NoError(t, apply(t, s, playerChange(player, "e1"))[0].Err)
	entries := []store.AuditEntry{
		{Actor: "k1", Action: "approval.approve", Target: player + "/r/a/t1", Before: []byte(`null`), After: []byte(`{"status":"issued"}`)},
		{Actor: "k1", Action: "approval.reject", Target: "p2/r/a/t1", Before: []byte(`null`), After: []byte(`{"player":"p2"}`)},
		{Actor: "k2", Action: "approval.recalculate", Target: "r", Before: []byte(`{"player":"p\u003c1"}`), After: []byte(`null`)},
		{Actor: "k2", Action: "campaign.suspend", Target: "vip", Before: []byte(`"active"`), After: []byte(`"suspended"`)},
		{Actor: "k3", Action: "approval.approve", Target: player + "/kept", Before: []byte(`null`), After: []byte(`null`)},
	}
	for i, e := range entries {
		e.At = t0.Add(time.Duration(i) * time.Second)
		_, err := audited(t, s).WithAudit(ctx, func(store.Store) (store.AuditEntry, error) { return e, nil })
		require.NoError(t, err)
	}
	before := auditLog(t, s)
	require.Len(t, before, len(entries))

	boom := errors.New("bad entry")
	_, err := er.Erase(ctx, store.Erasure{Player: player, Pseudonym: "erased:x", Scrub: scrubbed, At: t0,
		ScrubAudit: func(store.AuditEntry) (store.AuditEntry, bool, error) { return store.AuditEntry{}, false, boom }})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, before, auditLog(t, s), "a failed erasure rewrote nothing")
	states, err := s.States(ctx, player)
	require.NoError(t, err)
	assert.Len(t, states, 2, "a failed erasure erased nothing")

	var offered []int64
	got, err := er.Erase(ctx, store.Erasure{Player: player, Pseudonym: "erased:x", Scrub: scrubbed, At: t0,
		ScrubAudit: func(e store.AuditEntry) (store.AuditEntry, bool, error) {
			offered = append(offered, e.Seq)
			if strings.HasSuffix(e.Target, "/kept") {
				return e, false, nil
			}
			e.Actor, e.Action = "not written", "not written"
			e.Target = strings.ReplaceAll(e.Target, player, "erased:x")
			e.Before = bytes.ReplaceAll(e.Before, []byte(`p\u003c1`), []byte("erased:x"))
			e.After = []byte(`{"scrubbed":true}`)
			return e, true, nil
		}})
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Audit, "entries rewritten")
	assert.Equal(t, []int64{before[0].Seq, before[2].Seq, before[4].Seq}, offered, "the entries naming the player, in order")
	after := auditLog(t, s)
	want := slices.Clone(before)
	want[0].Target, want[0].After = "erased:x/r/a/t1", []byte(`{"scrubbed":true}`)
	want[2].Before, want[2].After = []byte(`{"player":"erased:x"}`), []byte(`{"scrubbed":true}`)
	assert.Equal(t, want, after, "sequence, time, actor and action kept; the others as they were")

	_, err = audited(t, s).WithAudit(ctx, func(store.Store) (store.AuditEntry, error) {
		return store.AuditEntry{At: t0, Actor: "k1", Action: "campaign.resume", Target: "vip", Before: []byte(`null`), After: []byte(`null`)}, nil
	})
	require.NoError(t, err)
	assert.Len(t, auditLog(t, s), len(entries)+1, "the log takes entries after an erasure")
}

// BenchErase measures the erasure of one player from a store holding
// outcomes outcomes (and as many events and ledger entries) of 1,000
// players: the outcome log, the ledger and the action keys have no index
// by player, so an erasure scans them, and its time grows with the log,
// not with the player's share of it.
func BenchErase(b *testing.B, d Driver, outcomes int) {
	ctx := context.Background()
	s := d.fresh(b)
	er := eraserOf(b, s)
	if err := s.SetBudget(ctx, "bench", "EUR", dec("1000000000"), t0); err != nil {
		b.Fatal(err)
	}
	const players, batch = 1000, 1000
	body := []byte(`{"rule":"every_100","action":"cashback","status":"issued","amount":"1.25","currency":"EUR","messages":[{"name":"m","values":{"first_name":"Ann"}}]}`)
	for n := 0; n < outcomes; {
		changes := make([]store.Change, 0, batch)
		for ; len(changes) < batch && n < outcomes; n++ {
			p, id := fmt.Sprint("player-", n%players), fmt.Sprint("ev-", n)
			o := give(store.Key{Rule: "every_100", Action: "cashback", Player: p, TriggerHash: id}, store.Issued, "bench", "1.25", "EUR")
			o.Body = body
			changes = append(changes, store.Change{
				Event:    &store.Event{Player: p, ID: id, Hash: []byte("h"), Kind: "deposit", At: t0.Add(time.Duration(n) * time.Millisecond), Body: body},
				Outcomes: []store.Outcome{o}})
		}
		if _, err := s.Apply(ctx, changes); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	for b.Loop() {
		if i == players {
			b.Fatal("every player erased: a smaller -benchtime")
		}
		res, err := er.Erase(ctx, store.Erasure{Player: fmt.Sprint("player-", i), Pseudonym: fmt.Sprint("erased-", i), Scrub: scrubbed, At: t0})
		if err != nil || res.Outcomes != int64(outcomes/players) {
			b.Fatalf("erasure %d: %v, %+v", i, err, res)
		}
		i++
	}
	b.ReportMetric(float64(outcomes), "outcomes-in-log")
}
