package server_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/tracking"
)

// tracked is a harness with the offer "casino" and the publisher "alpha".
func tracked(t testing.TB) *harness {
	t.Helper()
	h := newHarness(t, func(c *server.Config) { c.Tracking.Secret = []byte("test secret") })
	require.NoError(t, h.st.PutOffer(context.Background(), store.Offer{Ref: "casino", WebPage: "https://casino.example/join?lang=en"}))
	r := h.do(call{method: "PUT", path: "/v1/publishers/alpha", role: server.Operator, body: map[string]any{"name": "Alpha Media"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	return h
}

// clickOK follows a tracking link and returns the session id.
func (h *harness) clickOK(query string) string {
	h.t.Helper()
	r := h.do(call{method: "GET", path: "/t/casino?" + query, headers: []string{"User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Mobile/15E148 Safari/604.1"}})
	require.Equal(h.t, 302, r.status, "%s", r.raw)
	assert.Equal(h.t, "no-store", r.header.Get("Cache-Control"), "a redirect no cache keeps")
	assert.Equal(h.t, "no-referrer", r.header.Get("Referrer-Policy"), "the link's query not passed on")
	u, err := url.Parse(r.header.Get("Location"))
	require.NoError(h.t, err)
	require.Equal(h.t, "casino.example", u.Host)
	require.Equal(h.t, "en", u.Query().Get("lang"))
	return u.Query().Get("session")
}

// twoClicksOneDeposit makes the report's day of the tracking tests: two
// clicks on pub=alpha from one address, the first converted by a first
// deposit of 10.50 EUR.
func (h *harness) twoClicksOneDeposit() {
	h.t.Helper()
	id := h.clickOK("pub=alpha")
	h.clickOK("pub=alpha")
	r := h.do(call{method: "POST", path: "/v1/conversions", role: server.Operator, body: map[string]any{"session": id, "kind": "first_deposit", "amount": "10.50", "currency": "EUR"}})
	require.Equal(h.t, 201, r.status, "%s", r.raw)
}

func (h *harness) conversions() []store.Conversion {
	h.t.Helper()
	cs, err := h.st.(store.Tracking).Conversions(context.Background(), 0, 10000)
	require.NoError(h.t, err)
	return cs
}

func TestTrackingLink(t *testing.T) {
	h := tracked(t)
	id := h.clickOK("pub=alpha&sub1=banner-7&sub5=x.y&region=MT&keep=device,browser")
	assert.Len(t, id, 32)
	s, ok, err := h.st.(store.Tracking).Session(context.Background(), id)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, [5]string{"banner-7", "", "", "", "x.y"}, s.Sub)
	assert.Equal(t, "MT", s.Region)
	assert.Equal(t, "mobile", s.Device)
	assert.Equal(t, "safari", s.Browser)
	assert.Len(t, s.IPHash, 32, "the address, keyed and hashed")
	assert.True(t, s.At.Equal(t0))

	for name, c := range map[string]struct {
		path   string
		status int
		code   string
		field  string
	}{
		"unknown offer":     {"/t/bingo?pub=alpha", 404, "not-found", "offer"},
		"unknown publisher": {"/t/casino?pub=gamma", 404, "not-found", "pub"},
		"no publisher":      {"/t/casino", 400, "invalid-parameter", "pub"},
		"sub id with space": {"/t/casino?pub=alpha&sub1=a%20b", 400, "invalid-parameter", "sub1"},
		"sub id too long":   {"/t/casino?pub=alpha&sub2=" + strings.Repeat("x", 256), 400, "invalid-parameter", "sub2"},
		"sub id not ASCII":  {"/t/casino?pub=alpha&sub3=%C3%A9", 400, "invalid-parameter", "sub3"},
		"unknown parameter": {"/t/casino?pub=alpha&sub6=x", 400, "invalid-parameter", "sub6"},
		"parameter twice":   {"/t/casino?pub=alpha&pub=alpha", 400, "invalid-parameter", "pub"},
		"offer with a tab":  {"/t/ca%09sino?pub=alpha", 400, "invalid-parameter", "offer"},
	} {
		r := h.do(call{method: "GET", path: c.path})
		assert.Equal(t, c.status, r.status, "%s: %s", name, r.raw)
		assert.Equal(t, c.code, r.code(), name)
		details, _ := r.json["details"].(map[string]any)
		assert.Equal(t, c.field, details["field"], name)
	}
	// An offer without a web page has nowhere to send the click.
	require.NoError(t, h.st.PutOffer(context.Background(), store.Offer{Ref: "bare"}))
	r := h.do(call{method: "GET", path: "/t/bare?pub=alpha"})
	assert.Equal(t, 409, r.status, "%s", r.raw)
	assert.Equal(t, "no-landing-page", r.code())
	rows, err := h.st.(store.Tracking).TrackingReport(context.Background(), t0.Add(-time.Hour), t0.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, rows, 1)
	assert.EqualValues(t, 1, rows[0].Clicks, "refused links store nothing")
	assert.Equal(t, 405, h.do(call{method: "POST", path: "/t/casino?pub=alpha", body: "{}"}).status)
}

// TestTrackingLinkAnyOffer: an offer whose reference is not made of the
// characters of a sub id (a space, a slash, a letter beyond ASCII, as an
// offer declaration or promoc offers add may name it) is tracked: its link
// carries the reference percent-encoded in its path, and a conversion
// naming the offer is attributed to its click.
func TestTrackingLinkAnyOffer(t *testing.T) {
	h := tracked(t)
	for i, ref := range []string{"SPA 2026", "spa/weekend", "Spa-Wochenende-Ä", `"quoted"?#`, strings.Repeat("o", tracking.OfferRefBytes)} {
		require.NoError(t, h.st.PutOffer(context.Background(), store.Offer{Ref: ref, WebPage: "https://spa.example/"}))
		r := h.do(call{method: "GET", path: "/t/" + url.PathEscape(ref) + "?pub=alpha"})
		require.Equal(t, 302, r.status, "%s: %s", ref, r.raw)
		u, err := url.Parse(r.header.Get("Location"))
		require.NoError(t, err)
		s, ok, err := h.st.(store.Tracking).Session(context.Background(), u.Query().Get("session"))
		require.NoError(t, err)
		require.True(t, ok, ref)
		assert.Equal(t, ref, s.Offer)
		r = h.do(call{method: "POST", path: "/v1/conversions", role: server.Operator, body: map[string]any{
			"session": s.ID, "player": fmt.Sprint("p", i), "kind": "registration"}})
		require.Equal(t, 201, r.status, "%s", r.raw)
		r = h.do(call{method: "POST", path: "/v1/conversions", role: server.Operator, body: map[string]any{
			"player": fmt.Sprint("p", i), "offer": ref, "kind": "registration", "ref": "again"}})
		require.Equal(t, 201, r.status, "%s: the offer named: %s", ref, r.raw)
	}
}

func TestConversions(t *testing.T) {
	h := tracked(t)
	id := h.clickOK("pub=alpha&sub1=s1")
	post := func(body any) response {
		return h.do(call{method: "POST", path: "/v1/conversions", role: server.Operator, body: body})
	}
	r := post(map[string]any{"session": id, "player": "p1", "kind": "registration"})
	require.Equal(t, 201, r.status, "%s", r.raw)
	assert.Equal(t, "recorded", r.json["status"])
	r = post(map[string]any{"player": "p1", "offer": "casino", "kind": "first_deposit", "amount": "50.00", "currency": "EUR", "ref": "tx-1"})
	require.Equal(t, 201, r.status, "%s", r.raw)
	conv := r.json["conversion"].(map[string]any)
	assert.Equal(t, "50.00", conv["amount"], "exactly as given")
	assert.Equal(t, id, conv["session"])
	assert.Equal(t, "alpha", conv["publisher"])
	r = post(map[string]any{"session": id, "kind": "first_deposit", "amount": "50.00", "currency": "EUR", "ref": "tx-1"})
	assert.Equal(t, 200, r.status, "a repeat: %s", r.raw)
	assert.Equal(t, "repeat", r.json["status"])
	assert.Len(t, h.conversions(), 2, "counted once")

	for name, c := range map[string]struct {
		body   string
		status int
		code   string
	}{
		"a float":           {`{"session":"` + id + `","kind":"deposit","amount":50.5,"currency":"EUR"}`, 422, "invalid-amount"},
		"unknown currency":  {`{"session":"` + id + `","kind":"deposit","amount":"50","currency":"EUX"}`, 422, "invalid-amount"},
		"no session":        {`{"kind":"deposit"}`, 422, "invalid-conversion"},
		"unknown field":     {`{"session":"` + id + `","kind":"deposit","amt":"1"}`, 400, "invalid-json"},
		"not JSON":          {`{"session":`, 400, "invalid-json"},
		"player, no offer":  {`{"player":"p1","kind":"deposit"}`, 422, "invalid-conversion"},
		"unknown offer":     {`{"player":"p1","offer":"bingo","kind":"deposit"}`, 404, "not-found"},
		"unknown session":   {`{"session":"0123456789abcdef","kind":"deposit"}`, 422, "conversion-rejected"},
		"before the click":  {`{"session":"` + id + `","kind":"deposit","time":"2026-11-01T00:00:00Z"}`, 422, "conversion-rejected"},
		"no click":          {`{"player":"p2","offer":"casino","kind":"deposit"}`, 422, "conversion-rejected"},
		"in the future":     {`{"session":"` + id + `","kind":"deposit","time":"2026-11-03T00:00:00Z"}`, 400, "invalid-parameter"},
		"kind in capitals":  {`{"session":"` + id + `","kind":"FTD"}`, 400, "invalid-parameter"},
		"other player":      {`{"session":"` + id + `","player":"p9","kind":"deposit"}`, 422, "conversion-rejected"},
		"amount, no curr.":  {`{"session":"` + id + `","kind":"deposit","amount":"5"}`, 422, "invalid-amount"},
		"negative amount":   {`{"session":"` + id + `","kind":"deposit","amount":"-5","currency":"EUR"}`, 422, "invalid-amount"},
		"amount with an e":  {`{"session":"` + id + `","kind":"deposit","amount":"5e2","currency":"EUR"}`, 422, "invalid-amount"},
		"amount in an list": {`{"session":"` + id + `","kind":"deposit","amount":["5"],"currency":"EUR"}`, 422, "invalid-amount"},
	} {
		r := post(c.body)
		assert.Equal(t, c.status, r.status, "%s: %s", name, r.raw)
		assert.Equal(t, c.code, r.code(), "%s: %s", name, r.raw)
	}
	assert.Len(t, h.conversions(), 2, "bad input stores nothing")
	assert.Contains(t, h.logs.String(), `"reason":"unknown-session"`, "a rejection is logged with its reason")

	// Expired: the window is 30 days, half-open.
	h.clock.Set(t0.Add(30 * 24 * time.Hour))
	r = post(map[string]any{"session": id, "kind": "deposit", "ref": "late"})
	assert.Equal(t, 422, r.status)
	assert.Equal(t, "session-expired", r.json["details"].(map[string]any)["reason"])
	r = post(map[string]any{"session": id, "kind": "deposit", "ref": "just-in-time", "time": t0.Add(30*24*time.Hour - time.Nanosecond).Format(time.RFC3339Nano)})
	assert.Equal(t, 201, r.status, "%s", r.raw)

	assert.Equal(t, 403, h.do(call{method: "POST", path: "/v1/conversions", role: server.Viewer, body: `{}`}).status)
	assert.Equal(t, 401, h.do(call{method: "POST", path: "/v1/conversions", body: `{}`}).status)
}

func TestPostback(t *testing.T) {
	h := tracked(t)
	id := h.clickOK("pub=alpha")
	key := h.keys[server.Operator]
	r := h.do(call{method: "GET", path: "/v1/postback?key=" + url.QueryEscape(key) + "&session=" + id + "&kind=first_deposit&amount=20.5&currency=USD&ref=t1"})
	require.Equal(t, 201, r.status, "%s", r.raw)
	assert.Equal(t, "20.5", r.json["conversion"].(map[string]any)["amount"])
	r = h.do(call{method: "GET", path: "/v1/postback?session=" + id + "&kind=first_deposit&amount=20.5&currency=USD&ref=t1", role: server.Operator})
	assert.Equal(t, 200, r.status, "a header key, a repeat: %s", r.raw)
	assert.NotContains(t, h.logs.String(), key, "the key in the query is never logged")

	r = h.do(call{method: "GET", path: "/v1/postback?session=" + id + "&kind=deposit"})
	assert.Equal(t, 401, r.status)
	r = h.do(call{method: "GET", path: "/v1/postback?key=promoc_nope&session=" + id + "&kind=deposit"})
	assert.Equal(t, 401, r.status)
	r = h.do(call{method: "GET", path: "/v1/postback?key=" + url.QueryEscape(h.keys[server.Viewer]) + "&session=" + id + "&kind=deposit"})
	assert.Equal(t, 403, r.status)
	r = h.do(call{method: "GET", path: "/v1/postback?key=" + url.QueryEscape(key) + "&session=" + id + "&kind=deposit&amount=1.5&currency=EURO"})
	assert.Equal(t, 422, r.status)
	assert.Contains(t, r.json["message"], "did you mean EUR?")
	r = h.do(call{method: "GET", path: "/v1/postback?key=" + url.QueryEscape(key) + "&session=" + id + "&kind=deposit&token=x"})
	assert.Equal(t, 400, r.status)
	assert.Len(t, h.conversions(), 1)
}

func TestPublishers(t *testing.T) {
	h := tracked(t)
	r := h.do(call{method: "PUT", path: "/v1/publishers/beta", role: server.Operator, body: `{}`})
	require.Equal(t, 200, r.status, "%s", r.raw)
	r = h.do(call{method: "GET", path: "/v1/publishers", role: server.Viewer})
	require.Equal(t, 200, r.status)
	ps := r.json["publishers"].([]any)
	require.Len(t, ps, 2)
	assert.Equal(t, "Alpha Media", ps[0].(map[string]any)["name"])
	r = h.do(call{method: "PUT", path: "/v1/publishers/a%20b", role: server.Operator, body: `{}`})
	assert.Equal(t, 400, r.status)
	assert.Equal(t, 403, h.do(call{method: "PUT", path: "/v1/publishers/c", role: server.Viewer, body: `{}`}).status)
}

func TestTrackingReport(t *testing.T) {
	h := tracked(t)
	h.twoClicksOneDeposit()
	r := h.do(call{method: "GET", path: "/v1/reports/tracking", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	rows := r.json["rows"].([]any)
	require.Len(t, rows, 1)
	row := rows[0].(map[string]any)
	assert.Equal(t, "2026-11-02", row["day"])
	assert.EqualValues(t, 2, row["clicks"])
	assert.EqualValues(t, 1, row["unique_clicks"], "one address, hashed")
	assert.Equal(t, "50.00", row["conversion_rate"])
	assert.Equal(t, map[string]any{"first_deposit": float64(1)}, row["conversions"])
	r = h.do(call{method: "GET", path: "/v1/reports/tracking?from=2026-11-03&to=2026-11-05", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Empty(t, r.json["rows"])
	for _, q := range []string{"?from=yesterday", "?from=2026-11-03&to=2026-11-03", "?day=2026-11-03"} {
		r = h.do(call{method: "GET", path: "/v1/reports/tracking" + q, role: server.Viewer})
		assert.Equal(t, 400, r.status, "%s: %s", q, r.raw)
	}
}

// registrationRules are the payout and the window of the rule sets
// TestTrackingFollowsRuleSet deploys.
const registrationRules = `kind registration {
	publisher: string
}

payout registration_cpa: publisher on conversion registration {
	give 40 EUR | 44 USD
}

attribution last click within 1 hours
`

// casinoV2 is an offer whose landing page moved.
const casinoV2 = `offer casino {
	reference "casino"
	web "https://casino.example/v2?lang=en"
}

`

// TestTrackingFollowsRuleSet: a rule set deployed through the API prices
// the conversions, attributes with its windows and checks the currencies
// of conversions from then on.
func TestTrackingFollowsRuleSet(t *testing.T) {
	h := tracked(t)
	r := h.deploy(map[string]string{"rules.promo": registrationRules})
	require.Equal(t, 200, r.status, "%s", r.raw)
	id := h.clickOK("pub=alpha")

	// A rule set whose offer moves the landing page: the next click
	// follows it (the tracker forgets the offers it kept).
	r = h.deploy(map[string]string{"rules.promo": casinoV2 + registrationRules})
	require.Equal(t, 200, r.status, "%s", r.raw)
	r = h.do(call{method: "GET", path: "/t/casino?pub=alpha"})
	require.Equal(t, 302, r.status, "%s", r.raw)
	assert.True(t, strings.HasPrefix(r.header.Get("Location"), "https://casino.example/v2?"), "the new landing page: %s", r.header.Get("Location"))
	r = h.do(call{method: "POST", path: "/v1/conversions", role: server.Operator, body: map[string]any{"session": id, "kind": "registration"}})
	require.Equal(t, 201, r.status, "%s", r.raw)
	conv := r.json["conversion"].(map[string]any)
	assert.Equal(t, "40.00", conv["payout"], "the deployed rule set's payout")
	assert.Equal(t, "EUR", conv["payout_currency"])
	h.clock.Set(t0.Add(time.Hour))
	r = h.do(call{method: "POST", path: "/v1/conversions", role: server.Operator, body: map[string]any{"session": id, "kind": "registration",
		"ref": "late", "time": t0.Add(time.Hour).Format(time.RFC3339)}})
	assert.Equal(t, 422, r.status, "the deployed rule set's window, 1 hour, half-open: %s", r.raw)
	assert.Equal(t, "session-expired", r.json["details"].(map[string]any)["reason"])

	// A rule set that declares its currencies: a conversion without an
	// amount is paid in the first, one in a currency it does not declare
	// is refused, and nothing is recorded.
	r = h.deploy(map[string]string{"rules.promo": "currencies USD, EUR\n\n" + casinoV2 + registrationRules})
	require.Equal(t, 200, r.status, "%s", r.raw)
	id = h.clickOK("pub=alpha")
	r = h.do(call{method: "POST", path: "/v1/conversions", role: server.Operator, body: map[string]any{"session": id, "kind": "registration", "ref": "usd"}})
	require.Equal(t, 201, r.status, "%s", r.raw)
	conv = r.json["conversion"].(map[string]any)
	assert.Equal(t, "44.00", conv["payout"], "the first currency declared")
	assert.Equal(t, "USD", conv["payout_currency"])
	before := len(h.conversions())
	r = h.do(call{method: "POST", path: "/v1/conversions", role: server.Operator, body: map[string]any{"session": id, "kind": "registration", "ref": "gbp",
		"amount": "5.00", "currency": "GBP"}})
	assert.Equal(t, 422, r.status, "%s", r.raw)
	assert.Equal(t, "invalid-amount", r.code(), "%s", r.raw)
	assert.Equal(t, "currency: GBP is not a currency of the rule set: expected USD, EUR", r.json["message"])
	assert.Len(t, h.conversions(), before, "the GBP conversion is not recorded")
}
