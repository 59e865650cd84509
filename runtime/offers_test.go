package runtime_test

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
)

func TestOffers(t *testing.T) {
	fsys := fstest.MapFS{"offers.promo": {Data: []byte(`kind deposit { amount: money }

offer spa_day {
	reference "SPA-2026"
	name "Spa day"
	description "For two"
	requires vouchers
	needs synchronization
	image "https://cdn.example.com/spa.png"
	web "https://example.com/spa"
	field partner: string = "Hotel Phoenicia"
	field worth: money = 120 EUR | 130 USD
	field share: percent = 12.5%
	field nights: count = 2
	field early: bool = true
	field until: time = 2026-12-31 23:59
	field stay: duration = 2 days
}

offer news { reference "NEWS" }

reward cash: amount { give 5 EUR }

automation welcome {
	trigger on first deposit
	give offer spa_day
}

campaign split_offer {
	trigger on deposit
	split {
		variant spa 50%: give offer news
		variant money 40%: give cash
		control 10%
	}
}
`)}}
	prog, err := runtime.Compile(fsys)
	require.NoError(t, err)
	require.Len(t, prog.Offers(), 2)
	spa := prog.Offer("spa_day")
	require.NotNil(t, spa)
	assert.Equal(t, runtime.Offer{Name: "spa_day", Ref: "SPA-2026", Title: "Spa day", Description: "For two", RequiresVouchers: true, NeedsSync: true,
		Image: "https://cdn.example.com/spa.png", Web: "https://example.com/spa", Fields: []runtime.OfferField{
			{Name: "partner", Type: "string", Value: "Hotel Phoenicia"},
			{Name: "worth", Type: "money", Value: "120 EUR | 130 USD"},
			{Name: "share", Type: "percent", Value: "12.5%"},
			{Name: "nights", Type: "count", Value: "2"},
			{Name: "early", Type: "bool", Value: "true"},
			{Name: "until", Type: "time", Value: "2026-12-31T23:59:00Z"},
			{Name: "stay", Type: "duration", Value: "48h0m0s"},
		}}, *spa)
	assert.Equal(t, runtime.Offer{Name: "news", Ref: "NEWS"}, *prog.Offer("news"))
	assert.Nil(t, prog.Offer("cash"))

	w := prog.Rule("welcome")
	require.NotNil(t, w)
	assert.Equal(t, "spa_day", w.Offer)
	assert.Empty(t, w.Give)
	s := prog.Rule("split_offer")
	require.NotNil(t, s.Split)
	assert.Equal(t, []runtime.SplitArm{{Name: "spa", Share: 5000, Offer: "news"}, {Name: "money", Share: 4000, Reward: "cash"}, {Control: true, Share: 1000}}, s.Split.Arms)
}
