package server_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
)

// trackingAcceptRules price conversions as the seed's affiliate tracking
// describes: a fixed CPA per registration, 30% of the first deposit rounded
// down and capped, and a revenue tiered by the publisher's first deposits
// in the last 30 days, this one included (at least 3: 60 EUR, else 30).
const trackingAcceptRules = `kind registration {
	publisher: string
}

kind first_deposit {
	amount: money
	publisher: string
}

attribution last click within 7 days for offer "casino"

payout registration_cpa: publisher on conversion registration {
	give 25 EUR
}

payout first_deposit_share: publisher on conversion first_deposit {
	round down to 2 decimals
	cap 150 EUR

	give 30% of conversion.amount
}

payout first_deposit_revenue: revenue on conversion first_deposit {
	window last 30 days

	tiers count(first_deposit where publisher == conversion.publisher) {
		at least 3: give 60 EUR
		else: give 30 EUR
	}
}
`

// TestAcceptTrackingPayouts: click, redirect, conversion, attribution and
// payout through the links and the API only, as spec/semantics.md's
// "Tracking and attribution" and spec.md section 18 state them. Each
// conversion is priced once, when recorded: 30% of 101.55 is 30.465,
// rounded down to 30.46; 1000 is capped to 150.00. The revenue's tier
// counts alpha's first deposits of the 30 days before, this one included:
// registrations and beta's do not count, the third is at least 3 exactly,
// and one 30 days old is outside the window again. A repeat is priced
// once. The attribution window of the offer is 7 days, half-open. The time
// of a conversion may be up to 5 minutes ahead of the server's clock, not
// 1 ns more. An erased player's conversions stay, anonymous, in the report;
// a conversion naming only that player then finds no click.
func TestAcceptTrackingPayouts(t *testing.T) {
	prog, err := runtime.Compile(fstest.MapFS{"rules.promo": {Data: []byte(trackingAcceptRules)}})
	require.NoError(t, err)
	h := newHarness(t, func(c *server.Config) {
		c.Program = prog
		c.Tracking.Secret = []byte("acceptance secret")
	})
	ctx := context.Background()
	require.NoError(t, h.st.PutOffer(ctx, store.Offer{Ref: "casino", WebPage: "https://casino.example/join?lang=en"}))
	for _, p := range []string{"alpha", "beta"} {
		r := h.do(call{method: "PUT", path: "/v1/publishers/" + p, role: server.Operator, body: map[string]any{"name": p}})
		require.Equal(t, 200, r.status, "%s", r.raw)
	}
	click := func(pub string) string {
		r := h.do(call{method: "GET", path: "/t/casino?pub=" + pub})
		require.Equal(t, 302, r.status, "%s", r.raw)
		u, err := url.Parse(r.header.Get("Location"))
		require.NoError(t, err)
		return u.Query().Get("session")
	}
	type priced struct {
		status                             int
		publisher, payout, revenue, reason string
	}
	convert := func(body map[string]any) priced {
		r := h.do(call{method: "POST", path: "/v1/conversions", role: server.Operator, body: body})
		p := priced{status: r.status}
		if c, ok := r.json["conversion"].(map[string]any); ok {
			p.publisher, _ = c["publisher"].(string)
			p.payout, _ = c["payout"].(string)
			p.revenue, _ = c["revenue"].(string)
		}
		if d, ok := r.json["details"].(map[string]any); ok {
			p.reason, _ = d["reason"].(string)
		}
		return p
	}
	at := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339Nano) }

	// Day 0: four players click alpha, one beta.
	s := map[string]string{}
	for i := 1; i <= 4; i++ {
		s[fmt.Sprint("p", i)] = click("alpha")
	}
	s["p5"] = click("beta")

	h.clock.Set(t0.Add(time.Hour))
	assert.Equal(t, priced{201, "alpha", "25.00", "", ""}, convert(map[string]any{"session": s["p1"], "player": "p1", "kind": "registration"}))
	assert.Equal(t, priced{201, "alpha", "30.46", "30.00", ""}, convert(map[string]any{"session": s["p1"], "player": "p1", "kind": "first_deposit", "amount": "101.55", "currency": "EUR", "ref": "tx1"}))
	assert.Equal(t, priced{201, "beta", "30.76", "30.00", ""}, convert(map[string]any{"session": s["p5"], "player": "p5", "kind": "first_deposit", "amount": "102.55", "currency": "EUR", "ref": "tx5"}))
	assert.Equal(t, priced{201, "alpha", "150.00", "30.00", ""}, convert(map[string]any{"session": s["p2"], "player": "p2", "kind": "first_deposit", "amount": "1000", "currency": "EUR", "ref": "tx2"}))
	assert.Equal(t, priced{200, "alpha", "150.00", "30.00", ""}, convert(map[string]any{"session": s["p2"], "player": "p2", "kind": "first_deposit", "amount": "1000", "currency": "EUR", "ref": "tx2"}), "a repeat: the first, priced once")
	assert.Equal(t, priced{201, "alpha", "31.06", "60.00", ""}, convert(map[string]any{"session": s["p3"], "player": "p3", "kind": "first_deposit", "amount": "103.55", "currency": "EUR", "ref": "tx3"}), "alpha's third first deposit: at least 3")

	// Five minutes ahead of the clock is allowed, not a nanosecond more.
	assert.Equal(t, 201, convert(map[string]any{"session": s["p4"], "player": "p4", "kind": "registration", "time": at(time.Hour + 5*time.Minute)}).status)
	r := h.do(call{method: "POST", path: "/v1/conversions", role: server.Operator, body: map[string]any{"session": s["p4"], "player": "p4", "kind": "first_deposit", "amount": "1", "currency": "EUR", "time": at(time.Hour + 5*time.Minute + 1)}})
	assert.Equal(t, 400, r.status, "%s", r.raw)

	// The attribution window of casino is 7 days: p4's click (at t0)
	// takes a conversion 1 ns before its end, not at its end.
	h.clock.Set(t0.Add(7 * 24 * time.Hour))
	assert.Equal(t, priced{422, "", "", "", "session-expired"}, convert(map[string]any{"session": s["p4"], "kind": "first_deposit", "amount": "10", "currency": "EUR", "ref": "end"}))
	assert.Equal(t, priced{201, "alpha", "3.00", "60.00", ""}, convert(map[string]any{"session": s["p4"], "kind": "first_deposit", "amount": "10", "currency": "EUR", "ref": "last-ns", "time": at(7*24*time.Hour - 1)}))

	// 30 days after the first deposits (at t0 + 1 hour) exactly: those of
	// the first day have left the revenue's window (half-open), so with
	// day 7's a new one is alpha's second: 30 EUR.
	h.clock.Set(t0.Add(30*24*time.Hour + time.Hour))
	s["p6"] = click("alpha")
	assert.Equal(t, priced{201, "alpha", "6.00", "30.00", ""}, convert(map[string]any{"session": s["p6"], "player": "p6", "kind": "first_deposit", "amount": "20", "currency": "EUR", "ref": "tx6"}))

	// Erasure: p6's conversion stays, anonymous; one naming only p6 and
	// the offer finds no click.
	r = h.do(call{method: "DELETE", path: "/v1/players/p6", role: server.Admin})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, priced{422, "", "", "", "no-click"}, convert(map[string]any{"player": "p6", "offer": "casino", "kind": "registration"}))
	for _, c := range h.conversions() {
		assert.NotEqual(t, "p6", c.Player, "the erased player is in no conversion")
	}

	r = h.do(call{method: "GET", path: "/v1/reports/tracking?format=csv", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, `day,offer,publisher,clicks,unique_clicks,conversions,conversion_rate,currency,payout,revenue,margin,conversions_by_kind
2026-11-02,casino,alpha,4,1,5,125.00,EUR,261.52,120.00,-141.52,first_deposit=3;registration=2
2026-11-02,casino,beta,1,1,1,100.00,EUR,30.76,30.00,-0.76,first_deposit=1
2026-11-09,casino,alpha,0,0,1,,EUR,3.00,60.00,57.00,first_deposit=1
2026-12-02,casino,alpha,1,1,1,100.00,EUR,6.00,30.00,24.00,first_deposit=1
`, string(r.raw))
}

// TestAcceptTrackingTwoCurrencies: a publisher's first deposits in EUR
// and in USD are each recorded and priced over the publisher's
// conversions in their own currency (a tier counts those, a share sums
// those; money of two currencies is never added), and the report has a
// line per currency for the publisher's offer and day.
func TestAcceptTrackingTwoCurrencies(t *testing.T) {
	prog, err := runtime.Compile(fstest.MapFS{"rules.promo": {Data: []byte(`kind first_deposit {
	amount: money
	publisher: string
}

payout first_deposit_share: publisher on conversion first_deposit {
	window last 30 days
	give 10% of sum(first_deposit.amount)
}

payout first_deposit_revenue: revenue on conversion first_deposit {
	window last 30 days

	tiers count(first_deposit where publisher == conversion.publisher) {
		at least 2: give 60 EUR | 70 USD
		else: give 30 EUR | 35 USD
	}
}
`)}})
	require.NoError(t, err)
	h := newHarness(t, func(c *server.Config) { c.Program = prog })
	ctx := context.Background()
	require.NoError(t, h.st.PutOffer(ctx, store.Offer{Ref: "casino", WebPage: "https://casino.example/join"}))
	r := h.do(call{method: "PUT", path: "/v1/publishers/alpha", role: server.Operator, body: map[string]any{"name": "alpha"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	h.clock.Set(t0.Add(time.Hour))
	for i, c := range []struct{ amount, currency, payout, revenue string }{
		{"100", "EUR", "10.00", "30.00"},
		{"50", "USD", "5.00", "35.00"}, // the EUR one is not counted nor added
		{"20", "EUR", "12.00", "60.00"},
		{"30", "USD", "8.00", "70.00"},
	} {
		r := h.do(call{method: "GET", path: "/t/casino?pub=alpha"})
		require.Equal(t, 302, r.status, "%s", r.raw)
		u, err := url.Parse(r.header.Get("Location"))
		require.NoError(t, err)
		r = h.do(call{method: "POST", path: "/v1/conversions", role: server.Operator, body: map[string]any{
			"session": u.Query().Get("session"), "player": fmt.Sprint("p", i), "kind": "first_deposit", "amount": c.amount, "currency": c.currency}})
		require.Equal(t, 201, r.status, "%s", r.raw)
		conv, _ := r.json["conversion"].(map[string]any)
		assert.Equal(t, []any{c.payout, c.currency, c.revenue, c.currency},
			[]any{conv["payout"], conv["payout_currency"], conv["revenue"], conv["revenue_currency"]}, "%+v", c)
	}
	// Each line counts the conversions of its currency; the row's clicks
	// and rate are on its first line only: the columns sum to 4 and 4.
	r = h.do(call{method: "GET", path: "/v1/reports/tracking?format=csv", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, `day,offer,publisher,clicks,unique_clicks,conversions,conversion_rate,currency,payout,revenue,margin,conversions_by_kind
2026-11-02,casino,alpha,4,,2,100.00,EUR,22.00,90.00,68.00,first_deposit=2
2026-11-02,casino,alpha,,,2,,USD,13.00,105.00,92.00,first_deposit=2
`, string(r.raw))
}
