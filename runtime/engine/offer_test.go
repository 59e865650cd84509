package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// failingStore is a store whose next Apply fails, as a crash between the
// assignment and the outcome's commit would leave it.
type failingStore struct {
	store.Store
	failNext bool
}

func (s *failingStore) Apply(ctx context.Context, chs []store.Change) ([]store.Applied, error) {
	if s.failNext {
		s.failNext = false
		return nil, errors.New("the disk is full")
	}
	return s.Store.Apply(ctx, chs)
}

func (s *failingStore) GiveOffer(ctx context.Context, offer, player, key string, at time.Time) (store.Assignment, bool, error) {
	return s.Store.(store.OfferGiver).GiveOffer(ctx, offer, player, key, at)
}

func (s *failingStore) Assignment(ctx context.Context, ref string) (store.Assignment, bool, error) {
	return s.Store.(store.OfferGiver).Assignment(ctx, ref)
}

func TestGiveOffer(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	e, err := engine.New(ctx, compile(t, "testdata/offers"), st, engine.Options{})
	require.NoError(t, err)

	// The offers of the rule set are stored when the engine starts.
	o, ok, err := st.Offer(ctx, "SPA-2026")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, store.Offer{Ref: "SPA-2026", Name: "Spa day", Description: "A day at the spa for two", RequiresVouchers: true, NeedsSync: true, WebPage: "https://example.com/spa"}, o)
	_, ok, err = st.Offer(ctx, "NEWS")
	require.NoError(t, err)
	assert.True(t, ok)
	_, err = st.ImportVouchers(ctx, "SPA-2026", []string{"SPA-0001"}, t0)
	require.NoError(t, err)

	outs, err := e.Handle(ctx, []engine.Event{
		playerEv("r1", "p1", t0.Add(-time.Hour), "EUR", "", nil),
		playerEv("r2", "p2", t0.Add(-time.Hour), "EUR", "", nil),
		ev("d1", "p1", "deposit", t0, "amount", "150"),
		ev("d2", "p2", "deposit", t0.Add(time.Minute), "amount", "20"),
	})
	require.NoError(t, err)
	require.Len(t, outs, 3)
	spa := outs[0]
	assert.Equal(t, "welcome_spa", spa.Rule)
	assert.Equal(t, "issued", spa.Status)
	assert.Equal(t, "offer", spa.Kind)
	assert.Equal(t, "spa_day", spa.Action)
	assert.Equal(t, "spa_day", spa.Offer)
	assert.Equal(t, "SPA-2026", spa.OfferRef)
	assert.Equal(t, "SPA-0001", spa.Code)
	assert.Len(t, spa.Assignment, 32)
	require.Len(t, spa.Messages, 1)
	assert.Equal(t, map[string]string{"offer": "SPA-2026", "code": "SPA-0001"}, spa.Messages[0].Values)

	news := outs[1]
	assert.Equal(t, "big_deposit_news", news.Rule)
	assert.Equal(t, "issued", news.Status)
	assert.Equal(t, "NEWS", news.OfferRef)
	assert.NotEmpty(t, news.Assignment)
	assert.Empty(t, news.Code, "a generic offer takes no code")

	// The pool ran out: a skip with its own reason, and nothing assigned.
	out := outs[2]
	assert.Equal(t, "p2", out.Player)
	assert.Equal(t, "skipped", out.Status)
	assert.Equal(t, engine.ReasonVouchersExhausted, out.Reason)
	assert.Contains(t, out.Detail, "promoc vouchers import SPA-2026 FILE")
	assert.Empty(t, out.Assignment)
	assert.Equal(t, map[string]string{"reason": "vouchers-exhausted"}, out.Messages[0].Values)

	as, err := st.Assignments(ctx, "SPA-2026")
	require.NoError(t, err)
	require.Len(t, as, 1)
	assert.Equal(t, spa.Assignment, as[0].Ref)
	assert.Equal(t, "p1", as[0].Player)

	// The outcome log has the assignment, as the engine returned it.
	logged, err := st.Outcomes(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, logged, 3)
	lo, err := engine.OutcomeOf(logged[0])
	require.NoError(t, err)
	assert.Equal(t, spa.Assignment, lo.Assignment)
	assert.Equal(t, "SPA-0001", lo.Code)

	// A redelivery gives nothing and assigns nothing.
	outs, err = e.Handle(ctx, []engine.Event{ev("d1", "p1", "deposit", t0, "amount", "150")})
	require.NoError(t, err)
	assert.Empty(t, outs)
	as, err = st.Assignments(ctx, "NEWS")
	require.NoError(t, err)
	assert.Len(t, as, 1)

	// The confirmation is an event rules trigger on; again, it is the same
	// event and gives nothing.
	at := t0.Add(2 * time.Hour)
	a, outs, err := e.Confirm(ctx, spa.Assignment, "POS-77", at)
	require.NoError(t, err)
	assert.True(t, a.Synchronized)
	assert.Equal(t, "POS-77", a.Confirmation)
	require.Len(t, outs, 1)
	assert.Equal(t, "spa_confirmed", outs[0].Rule)
	assert.Equal(t, "p1", outs[0].Player)
	assert.Equal(t, "issued", outs[0].Status)
	assert.Equal(t, "10.00", outs[0].Amount.String())
	assert.Equal(t, engine.ConfirmEventID(spa.Assignment), outs[0].Trigger.Event)
	_, outs, err = e.Confirm(ctx, spa.Assignment, "POS-77", at.Add(time.Hour))
	require.NoError(t, err)
	assert.Empty(t, outs, "confirmed before: the same event")
	_, _, err = e.Confirm(ctx, spa.Assignment, "POS-78", at)
	assert.ErrorIs(t, err, store.ErrConfirmed)
	_, _, err = e.Confirm(ctx, "nope", "POS-1", at)
	assert.ErrorIs(t, err, store.ErrNoAssignment)
}

// TestGiveOfferCrash fails the write of the outcomes after the
// assignment: the event handled again gets the assignment made, and the
// pool gives no second code.
func TestGiveOfferCrash(t *testing.T) {
	ctx := context.Background()
	fs := &failingStore{Store: openStore(t)}
	prog := compile(t, "testdata/offers")
	e, err := engine.New(ctx, prog, fs, engine.Options{})
	require.NoError(t, err)
	_, err = fs.ImportVouchers(ctx, "SPA-2026", []string{"SPA-0001", "SPA-0002"}, t0)
	require.NoError(t, err)

	_, err = e.Handle(ctx, []engine.Event{playerEv("r1", "p1", t0.Add(-time.Hour), "EUR", "", nil)})
	require.NoError(t, err)
	fs.failNext = true
	_, err = e.Handle(ctx, []engine.Event{ev("d1", "p1", "deposit", t0, "amount", "20")})
	require.Error(t, err)
	as, err := fs.Assignments(ctx, "SPA-2026")
	require.NoError(t, err)
	require.Len(t, as, 1, "assigned before the write failed")

	// A new engine, as after a restart, handles the redelivered event.
	e, err = engine.New(ctx, prog, fs, engine.Options{})
	require.NoError(t, err)
	outs, err := e.Handle(ctx, []engine.Event{ev("d1", "p1", "deposit", t0, "amount", "20")})
	require.NoError(t, err)
	require.Len(t, outs, 1)
	assert.Equal(t, "issued", outs[0].Status)
	assert.Equal(t, as[0].Ref, outs[0].Assignment, "the assignment made before the failure")
	assert.Equal(t, "SPA-0001", outs[0].Code)
	as, err = fs.Assignments(ctx, "SPA-2026")
	require.NoError(t, err)
	assert.Len(t, as, 1, "no second assignment")
	left, err := fs.ImportVouchers(ctx, "SPA-2026", nil, t0)
	require.NoError(t, err)
	assert.EqualValues(t, 1, left.Unassigned)
}

// TestConfirmLate: a confirmation whose event is older than the player's
// latest event by more than the lateness bound (a log replayed ahead of
// the clock) is recorded, and its event refused for good: the error says
// so, and is the event's (an *EventError), not an advice to confirm again,
// which would be refused the same way.
func TestConfirmLate(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	e, err := engine.New(ctx, compile(t, "testdata/offers"), st, engine.Options{})
	require.NoError(t, err)
	_, err = st.ImportVouchers(ctx, "SPA-2026", []string{"SPA-0001"}, t0)
	require.NoError(t, err)
	outs, err := e.Handle(ctx, []engine.Event{
		playerEv("r1", "p1", t0.Add(-time.Hour), "EUR", "", nil),
		ev("d1", "p1", "deposit", t0, "amount", "150"),
		ev("d2", "p1", "deposit", t0.Add(72*time.Hour), "amount", "10"),
	})
	require.NoError(t, err)
	require.NotEmpty(t, outs)
	spa := outs[0]
	require.Equal(t, "SPA-0001", spa.Code)

	a, outs, err := e.Confirm(ctx, spa.Assignment, "POS-77", t0.Add(time.Hour))
	require.Error(t, err)
	var ee *engine.EventError
	assert.True(t, errors.As(err, &ee), "the event's error: %v", err)
	assert.Contains(t, err.Error(), "the confirmation is recorded, but its event cannot be handled")
	assert.NotContains(t, err.Error(), "confirm again")
	assert.Empty(t, outs)
	assert.Equal(t, "POS-77", a.Confirmation, "recorded")
	got, ok, err := st.(store.OfferGiver).Assignment(ctx, spa.Assignment)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "POS-77", got.Confirmation)
}
