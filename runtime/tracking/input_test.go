package tracking

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseClick(t *testing.T) {
	const chrome = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
	c, err := ParseClick("casino", url.Values{"pub": {"alpha"}, "sub1": {"banner-7"}, "sub5": {"a_b.c~d:e@f+g=h/i,j!k*l(m)n|o$"}, "region": {"MT"}, "keep": {"device,browser"}}.Encode(), chrome, "192.0.2.1")
	require.NoError(t, err)
	assert.Equal(t, Click{Offer: "casino", Publisher: "alpha", Sub: [5]string{"banner-7", "", "", "", "a_b.c~d:e@f+g=h/i,j!k*l(m)n|o$"},
		Region: "MT", Device: "mobile", Browser: "chrome", IP: "192.0.2.1"}, c)
	c, err = ParseClick("casino", url.Values{"pub": {"alpha"}, "device": {"console"}, "keep": {"device"}}.Encode(), chrome, "")
	require.NoError(t, err)
	assert.Equal(t, "console", c.Device, "what the link carries wins")
	assert.Empty(t, c.Browser, "kept only when asked")

	for name, tc := range map[string]struct {
		offer string
		q     url.Values
		field string
	}{
		"no publisher":     {"casino", url.Values{}, "pub"},
		"empty publisher":  {"casino", url.Values{"pub": {""}}, "pub"},
		"no offer":         {"", url.Values{"pub": {"alpha"}}, "offer"},
		"offer with a tab": {"cas\tino", url.Values{"pub": {"alpha"}}, "offer"},
		"offer not UTF-8":  {"cas\xffino", url.Values{"pub": {"alpha"}}, "offer"},
		// What a string of the language may not hold (lang.Deceptive).
		"offer with a bidi override": {"cas\u202eino", url.Values{"pub": {"alpha"}}, "offer"},
		"offer with a soft hyphen":   {"cas\u00adino", url.Values{"pub": {"alpha"}}, "offer"},
		"offer with a zero-width":    {"cas\u200bino", url.Values{"pub": {"alpha"}}, "offer"},
		"offer too long":             {strings.Repeat("x", OfferRefBytes+1), url.Values{"pub": {"alpha"}}, "offer"},
		"sub over the bound":         {"casino", url.Values{"pub": {"alpha"}, "sub2": {strings.Repeat("x", SubIDBytes+1)}}, "sub2"},
		"sub with a space":           {"casino", url.Values{"pub": {"alpha"}, "sub1": {"a b"}}, "sub1"},
		"sub with a quote":           {"casino", url.Values{"pub": {"alpha"}, "sub3": {`a"b`}}, "sub3"},
		"sub not ASCII":              {"casino", url.Values{"pub": {"alpha"}, "sub4": {"é"}}, "sub4"},
		"sub6":                       {"casino", url.Values{"pub": {"alpha"}, "sub6": {"x"}}, "sub6"},
		"sub1 twice":                 {"casino", url.Values{"pub": {"alpha"}, "sub1": {"x", "y"}}, "sub1"},
		"keep what":                  {"casino", url.Values{"pub": {"alpha"}, "keep": {"ip"}}, "keep"},
	} {
		_, err := ParseClick(tc.offer, tc.q.Encode(), chrome, "")
		var ie *InputError
		require.ErrorAs(t, err, &ie, name)
		assert.Equal(t, tc.field, ie.Field, name)
		assert.Equal(t, InvalidParameter, ie.Code, name)
		assert.True(t, strings.HasPrefix(ie.Message, tc.field+": "), "%s: %s", name, ie.Message)
	}
	_, err = ParseClick("casino", url.Values{"pub": {"alpha"}, "sub2": {strings.Repeat("x", SubIDBytes)}}.Encode(), "", "")
	assert.NoError(t, err, "a sub id of exactly the bound")
	// Any reference an offer may have is one a link may name (the link
	// carries it percent-encoded in its path).
	for _, offer := range []string{"SPA 2026", "Spa-Wochenende-Ä", "a/b?c#d", `"quoted"`, "שלום מרחב", "می\u200cخواهم", strings.Repeat("x", OfferRefBytes)} {
		c, err := ParseClick(offer, url.Values{"pub": {"alpha"}}.Encode(), "", "")
		require.NoError(t, err, offer)
		assert.Equal(t, offer, c.Offer)
		cv, err := ParseConversionQuery(url.Values{"key": {"k"}, "player": {"p1"}, "offer": {offer}, "kind": {"registration"}}, "key")
		require.NoError(t, err, offer)
		assert.Equal(t, offer, cv.Offer)
	}
}

func TestParseConversion(t *testing.T) {
	c, err := ParseConversionJSON([]byte(`{"session":"abc","player":"p1","kind":"first_deposit","amount":"50.00","currency":"EUR","ref":"tx-1","time":"2026-12-06T10:00:00+01:00"}`))
	require.NoError(t, err)
	assert.Equal(t, "50.00", c.Amount.StringFixed(2))
	assert.EqualValues(t, -2, c.Amount.Exponent(), "exactly as given")
	assert.Equal(t, "2026-12-06T09:00:00Z", c.At.Format("2006-01-02T15:04:05Z07:00"))
	c, err = ParseConversionQuery(url.Values{"key": {"k"}, "player": {"p1"}, "offer": {"casino"}, "kind": {"registration"}}, "key")
	require.NoError(t, err)
	assert.True(t, c.Amount.IsZero())
	assert.Empty(t, c.Currency)
	// RFC 3339 allows the T and the Z in lower case (section 5.6, NOTE).
	for _, at := range []string{"2026-12-06t09:00:00z", "2026-12-06T09:00:00z", "2026-12-06t10:00:00+01:00"} {
		c, err = ParseConversionJSON([]byte(`{"session":"abc","kind":"deposit","time":"` + at + `"}`))
		require.NoError(t, err, at)
		assert.Equal(t, time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC), c.At, at)
		c, err = ParseConversionQuery(url.Values{"key": {"k"}, "session": {"abc"}, "kind": {"deposit"}, "time": {at}}, "key")
		require.NoError(t, err, at)
		assert.Equal(t, time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC), c.At, at)
	}

	for name, tc := range map[string]struct {
		body        string
		field, code string
	}{
		"a float":             {`{"session":"a","kind":"deposit","amount":50.5,"currency":"EUR"}`, "amount", InvalidAmount},
		"an integer number":   {`{"session":"a","kind":"deposit","amount":50,"currency":"EUR"}`, "amount", InvalidAmount},
		"an exponent":         {`{"session":"a","kind":"deposit","amount":"5e1","currency":"EUR"}`, "amount", InvalidAmount},
		"negative":            {`{"session":"a","kind":"deposit","amount":"-5","currency":"EUR"}`, "amount", InvalidAmount},
		"nine decimals":       {`{"session":"a","kind":"deposit","amount":"0.000000001","currency":"EUR"}`, "amount", InvalidAmount},
		"unknown currency":    {`{"session":"a","kind":"deposit","amount":"5","currency":"EUX"}`, "currency", InvalidAmount},
		"lowercase currency":  {`{"session":"a","kind":"deposit","amount":"5","currency":"eur"}`, "currency", InvalidAmount},
		"amount, no currency": {`{"session":"a","kind":"deposit","amount":"5"}`, "currency", InvalidAmount},
		"currency, no amount": {`{"session":"a","kind":"deposit","currency":"EUR"}`, "amount", InvalidAmount},
		"no session":          {`{"kind":"deposit"}`, "session", InvalidConversion},
		"player, no offer":    {`{"player":"p1","kind":"deposit"}`, "offer", InvalidConversion},
		"no kind":             {`{"session":"a"}`, "kind", InvalidParameter},
		"kind in capitals":    {`{"session":"a","kind":"FTD"}`, "kind", InvalidParameter},
		"bad time":            {`{"session":"a","kind":"deposit","time":"yesterday"}`, "time", InvalidParameter},
		"time out of range":   {`{"session":"a","kind":"deposit","time":"2300-01-01T00:00:00Z"}`, "time", InvalidParameter},
		"time, lower x":       {`{"session":"a","kind":"deposit","time":"2026-12-06x09:00:00z"}`, "time", InvalidParameter},
		"unknown field":       {`{"session":"a","kind":"deposit","sesion":"b"}`, "", "invalid-json"},
		"two objects":         {`{"session":"a","kind":"deposit"}{}`, "", "invalid-json"},
	} {
		_, err := ParseConversionJSON([]byte(tc.body))
		var ie *InputError
		require.ErrorAs(t, err, &ie, name)
		assert.Equal(t, tc.field, ie.Field, "%s: %s", name, ie.Message)
		assert.Equal(t, tc.code, ie.Code, "%s: %s", name, ie.Message)
	}
	_, err = ParseConversionJSON([]byte(`{"session":"a","kind":"deposit","time":"yesterday"}`))
	assert.EqualError(t, err, `time: "yesterday": expected an RFC 3339 time such as 2026-12-06T10:00:00Z`)
	_, err = ParseConversionJSON([]byte(`{"session":"a","kind":"deposit","time":"2300-01-01t00:00:00z"}`))
	assert.EqualError(t, err, `time: 2300-01-01t00:00:00z: out of range: expected a time in [1900, 2200)`)
	_, err = ParseConversionJSON([]byte(`{"session":"a","kind":"deposit","amount":50.5,"currency":"EUR"}`))
	assert.ErrorContains(t, err, "never a float")
	_, err = ParseConversionJSON([]byte(`{"session":"a","kind":"deposit","amount":"5","currency":"EUE"}`))
	assert.ErrorContains(t, err, "did you mean EUR?")
	_, err = ParseConversionQuery(url.Values{"session": {"a"}, "kind": {"deposit"}, "token": {"x"}}, "key")
	assert.ErrorContains(t, err, "token: unknown parameter")
}

func TestUserAgent(t *testing.T) {
	for _, tc := range []struct{ ua, device, browser string }{
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0", "desktop", "edge"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15", "desktop", "safari"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0 Mobile/15E148 Safari/604.1", "mobile", "chrome"},
		{"Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", "tablet", "safari"},
		{"Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0 Safari/537.36", "tablet", "samsung"},
		{"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "desktop", "firefox"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 OPR/105.0", "desktop", "opera"},
		{"Googlebot/2.1 (+http://www.google.com/bot.html)", "other", "other"},
		{"", "other", "other"},
	} {
		assert.Equal(t, tc.device, DeviceOf(tc.ua), tc.ua)
		assert.Equal(t, tc.browser, BrowserOf(tc.ua), tc.ua)
	}
}

// TestParseClickRaw reads links' raw queries as url.ParseQuery splits and
// unescapes them: escapes, '+', empty pairs, and the pairs it drops (a
// semicolon, a bad escape).
func TestParseClickRaw(t *testing.T) {
	for _, tc := range []struct {
		raw   string
		want  Click // Offer "casino" added
		field string
	}{
		{raw: "pub=alpha&sub1=a%2Bb", want: Click{Publisher: "alpha", Sub: [5]string{"a+b"}}},
		{raw: "p%75b=alpha&sub%32=x", want: Click{Publisher: "alpha", Sub: [5]string{"", "x"}}},
		{raw: "&&pub=alpha&&", want: Click{Publisher: "alpha"}},
		{raw: "pub=alpha&sub1=%zz", want: Click{Publisher: "alpha"}}, // dropped: a bad escape
		{raw: "pub=alpha&sub1=x;y", want: Click{Publisher: "alpha"}}, // dropped: a semicolon
		{raw: "pub=alpha&sub1", want: Click{Publisher: "alpha"}},     // no '=': an empty value
		{raw: "pub=alpha&region=M%54&device=tv", want: Click{Publisher: "alpha", Region: "MT", Device: "tv"}},
		{raw: "pub=alpha;sub1=x", field: "pub"},           // the whole pair dropped
		{raw: "pub=alpha&sub1=a+b", field: "sub1"},        // '+' is a space
		{raw: "=x&pub=alpha", field: ""},                  // an empty name is unknown
		{raw: "pub=alpha&sub1=x&sub1=", field: "sub1"},    // twice, once empty
		{raw: "pub=alpha&keep=", field: "keep"},           // keep of nothing
		{raw: "pub=alpha&%73ub1=x&sub1=y", field: "sub1"}, // twice, once escaped
		{raw: "pub=alpha&sub1=" + strings.Repeat("x", SubIDBytes+1), field: "sub1"},
	} {
		c, err := ParseClick("casino", tc.raw, "", "")
		m, _ := url.ParseQuery(tc.raw) // what the map of the query held
		if tc.field != "" || tc.raw == "=x&pub=alpha" {
			var ie *InputError
			require.ErrorAs(t, err, &ie, tc.raw)
			assert.Equal(t, tc.field, ie.Field, tc.raw)
			continue
		}
		require.NoError(t, err, tc.raw)
		tc.want.Offer = "casino"
		assert.Equal(t, tc.want, c, tc.raw)
		assert.Equal(t, m.Get("pub"), c.Publisher, "%s: as ParseQuery reads it", tc.raw)
		assert.Equal(t, m.Get("sub1"), c.Sub[0], "%s: as ParseQuery reads it", tc.raw)
	}
}

// FuzzParseClick: a query ParseClick accepts holds each value once, as
// url.ParseQuery reads it.
func FuzzParseClick(f *testing.F) {
	for _, s := range []string{"pub=alpha&sub1=a%2Bb", "pub=alpha;sub1=x", "&&pub=alpha&keep=device", "pub=%zz", "p%75b=a&sub5=b+c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := ParseClick("casino", raw, "Mozilla/5.0 (iPhone) Safari/604.1", "")
		if err != nil {
			return
		}
		m, _ := url.ParseQuery(raw)
		for name, v := range map[string]string{"pub": c.Publisher, "sub1": c.Sub[0], "sub2": c.Sub[1], "sub3": c.Sub[2],
			"sub4": c.Sub[3], "sub5": c.Sub[4], "region": c.Region} {
			if len(m[name]) > 1 || m.Get(name) != v {
				t.Fatalf("%q: %s = %q, ParseQuery read %q", raw, name, v, m[name])
			}
		}
		for name := range m {
			if !slices.Contains([]string{"pub", "sub1", "sub2", "sub3", "sub4", "sub5", "region", "device", "browser", "keep"}, name) {
				t.Fatalf("%q: %q accepted", raw, name)
			}
		}
	})
}
