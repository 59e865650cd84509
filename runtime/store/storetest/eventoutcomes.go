package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
)

// testEventOutcomes: OutcomesOfEvents lists the outcomes Apply logged for
// each event's change, in log order, once each; not those of a
// duplicate, of a repeated key, of a change without an event or of an
// approval.
func testEventOutcomes(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	eo := implements[store.EventOutcomes](t, s)
	require.NoError(t, s.SetBudget(ctx, "vip", "EUR", dec("100"), t0))
	ev := func(player, id string) *store.Event {
		return &store.Event{Player: player, ID: id, Hash: []byte(id), Kind: "deposit", At: t0}
	}
	as := apply(t, s,
		store.Change{Event: ev("p1", "e1"), Outcomes: []store.Outcome{
			give(key("p1", "e1"), store.Waiting, "vip", "40", "EUR"),
			give(store.Key{Rule: "late", Action: "give", Player: "p1", TriggerHash: "inactive"}, store.Skipped, "", "0", ""),
		}},
		store.Change{Event: ev("p1", "e2")},
		store.Change{Outcomes: []store.Outcome{give(key("p1", "timer"), store.Issued, "", "1", "EUR")}},
		store.Change{Event: ev("p2", "e1"), Outcomes: []store.Outcome{give(key("p2", "e1"), store.Issued, "vip", "70", "EUR")}},
	)
	for _, a := range as {
		require.NoError(t, a.Err)
	}
	// A duplicate writes nothing; a repeated key logs nothing for e3.
	dup := apply(t, s, store.Change{Event: ev("p1", "e1"), Outcomes: []store.Outcome{give(key("p1", "again"), store.Issued, "", "1", "EUR")}})[0]
	require.True(t, dup.Duplicate)
	rep := apply(t, s, store.Change{Event: ev("p1", "e3"), Outcomes: []store.Outcome{give(key("p1", "e1"), store.Issued, "", "1", "EUR")}})[0]
	require.NoError(t, rep.Err)
	require.True(t, rep.Outcomes[0].Repeat)
	// An approval logs the key again, for no event.
	_, err := s.Approve(ctx, key("p1", "e1"), t0)
	require.NoError(t, err)

	seqs := func(os []store.Outcome) []int64 {
		out := make([]int64, len(os))
		for i, o := range os {
			out[i] = o.Seq
		}
		return out
	}
	p1e1 := []int64{as[0].Outcomes[0].Seq, as[0].Outcomes[1].Seq}
	p2e1 := as[3].Outcomes[0].Seq
	cases := []struct {
		name string
		refs []store.EventRef
		want []int64
	}{
		{"none", nil, []int64{}},
		{"an event's outcomes in order", []store.EventRef{{Player: "p1", ID: "e1"}}, p1e1},
		{"an event without outcomes", []store.EventRef{{Player: "p1", ID: "e2"}}, []int64{}},
		{"an event never seen", []store.EventRef{{Player: "p1", ID: "nope"}}, []int64{}},
		{"a repeated key is the first event's", []store.EventRef{{Player: "p1", ID: "e3"}}, []int64{}},
		{"the same id, another player", []store.EventRef{{Player: "p2", ID: "e1"}}, []int64{p2e1}},
		{"in log order, once each",
			[]store.EventRef{{Player: "p2", ID: "e1"}, {Player: "p1", ID: "e1"}, {Player: "p1", ID: "e1"}, {Player: "p1", ID: "e2"}},
			append(append([]int64{}, p1e1...), p2e1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := eo.OutcomesOfEvents(ctx, c.refs)
			require.NoError(t, err)
			assert.Equal(t, c.want, seqs(got))
			for _, o := range got {
				assert.Equal(t, "e1", o.Event, "the event that logged it")
			}
		})
	}
	// The outcome is read as logged: the status the budget gave it at the
	// time (p2's 70 did not fit beside p1's 40 reserved), the body.
	got, err := eo.OutcomesOfEvents(ctx, []store.EventRef{{Player: "p2", ID: "e1"}, {Player: "p1", ID: "e1"}})
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, store.Waiting, got[0].Status, "as logged, before the approval")
	assert.Equal(t, store.Skipped, got[2].Status)
	assert.Equal(t, store.ReasonBudgetExhausted, got[2].Reason)
	assertDec(t, "40", got[0].Amount, "amount")
	assert.Equal(t, as[0].Outcomes[0].Body, got[0].Body)
	assert.Equal(t, t0, got[0].At)
}
