package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// RunTracking runs the conformance cases of store.Tracking, each on a new
// database.
func RunTracking(t *testing.T, d Driver) {
	cases := []struct {
		name string
		fn   func(t *testing.T, d Driver)
	}{
		{"Publishers", testPublishers},
		{"Clicks", testClicks},
		{"Window", testWindow},
		{"LastClick", testLastClick},
		{"Repeats", testConversionRepeats},
		{"Rejections", testRejections},
		{"Price", testPrice},
		{"Attempts", testAttempts},
		{"TiedMeanwhile", testTiedMeanwhile},
		{"Erase", testErase},
		{"Report", testTrackingReport},
		{"ReportCurrencies", testTrackingReportCurrencies},
		{"AttributionRace", func(t *testing.T, d Driver) { AttributionRace(t, d, 16, 48) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, d) })
	}
}

const window = 30 * 24 * time.Hour

// tracked opens a new store with the offer "casino" and the publishers
// "alpha" and "beta".
func tracked(t testing.TB, d Driver) (store.Store, store.Tracking) {
	t.Helper()
	ctx := context.Background()
	s := d.fresh(t)
	tr := implements[store.Tracking](t, s)
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "casino", WebPage: "https://example.com/join"}))
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "poker", WebPage: "https://example.com/poker"}))
	for _, p := range []string{"alpha", "beta"} {
		require.NoError(t, tr.PutPublisher(ctx, store.Publisher{Ref: p, Name: strings.ToUpper(p), Created: t0}))
	}
	return s, tr
}

func click(id, offer, pub string, at time.Time) store.Session {
	return store.Session{ID: id, Offer: offer, Publisher: pub, At: at, Sub: [5]string{"s1-" + id}}
}

func clicks(t testing.TB, tr store.Tracking, ss ...store.Session) {
	t.Helper()
	require.NoError(t, tr.Clicks(context.Background(), ss))
}

// conv converts one conversion and returns its result.
func conv(t testing.TB, tr store.Tracking, c store.ConversionRequest) store.ConversionResult {
	t.Helper()
	if c.Window == 0 {
		c.Window = window
	}
	got, err := tr.Convert(context.Background(), []store.ConversionRequest{c}, nil)
	require.NoError(t, err)
	require.Len(t, got, 1)
	return got[0]
}

func allConversions(t testing.TB, tr store.Tracking) []store.Conversion {
	t.Helper()
	got, err := tr.Conversions(context.Background(), 0, 1_000_000)
	require.NoError(t, err)
	return got
}

func testPublishers(t *testing.T, d Driver) {
	ctx := context.Background()
	_, tr := tracked(t, d)
	p, ok, err := tr.Publisher(ctx, "alpha")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, store.Publisher{Ref: "alpha", Name: "ALPHA", Created: t0.Round(0)}, p)
	require.NoError(t, tr.PutPublisher(ctx, store.Publisher{Ref: "alpha", Name: "Alpha Media", Created: t0.Add(time.Hour)}))
	p, _, err = tr.Publisher(ctx, "alpha")
	require.NoError(t, err)
	assert.Equal(t, "Alpha Media", p.Name)
	assert.True(t, p.Created.Equal(t0), "put again keeps the first time")
	_, ok, err = tr.Publisher(ctx, "gamma")
	require.NoError(t, err)
	assert.False(t, ok)
	all, err := tr.Publishers(ctx)
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, []string{"alpha", "beta"}, []string{all[0].Ref, all[1].Ref})
	assert.Error(t, tr.PutPublisher(ctx, store.Publisher{}), "a publisher without a reference")
	assert.Error(t, tr.PutPublisher(ctx, store.Publisher{Ref: strings.Repeat("x", store.RefBytes+1)}))
}

func testClicks(t *testing.T, d Driver) {
	ctx := context.Background()
	_, tr := tracked(t, d)
	full := store.Session{ID: "s1", Offer: "casino", Publisher: "alpha", Sub: [5]string{"a", "b", "c", "d", strings.Repeat("é", store.SubBytes/2)},
		Region: "MT", Device: "mobile", Browser: "firefox", IPHash: []byte{1, 2, 3}, At: t0}
	clicks(t, tr, full, click("s2", "casino", "beta", t0))
	got, ok, err := tr.Session(ctx, "s1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, full, got)
	got, _, err = tr.Session(ctx, "s2")
	require.NoError(t, err)
	assert.Nil(t, got.IPHash, "no hash stays no hash")

	// A batch with one bad session stores none of them.
	for name, bad := range map[string]struct {
		s   store.Session
		err error
	}{
		"unknown offer":     {click("s3", "bingo", "alpha", t0), store.ErrNoOffer},
		"unknown publisher": {click("s3", "casino", "gamma", t0), store.ErrNoPublisher},
		"id stored before":  {click("s1", "casino", "alpha", t0), store.ErrSession},
		"no id":             {click("", "casino", "alpha", t0), store.ErrSession},
		"long sub":          {store.Session{ID: "s3", Offer: "casino", Publisher: "alpha", At: t0, Sub: [5]string{strings.Repeat("x", store.SubBytes+1)}}, store.ErrSession},
		"not UTF-8":         {store.Session{ID: "s3", Offer: "casino", Publisher: "alpha", At: t0, Region: "\xff"}, store.ErrSession},
		"no time":           {click("s3", "casino", "alpha", time.Time{}), store.ErrSession},
	} {
		err := tr.Clicks(ctx, []store.Session{click("ok", "casino", "alpha", t0), bad.s})
		assert.ErrorIs(t, err, bad.err, name)
		_, ok, err := tr.Session(ctx, "ok")
		require.NoError(t, err)
		assert.False(t, ok, "%s: the good session of the batch is not stored", name)
	}
	// A batch larger than one statement.
	var many []store.Session
	for i := range 1203 {
		many = append(many, click(fmt.Sprintf("m%d", i), "poker", "beta", t0.Add(time.Duration(i)*time.Second)))
	}
	clicks(t, tr, many...)
	got, ok, err = tr.Session(ctx, "m1202")
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, got.At.Equal(t0.Add(1202*time.Second)))
	for _, id := range []string{"m0", "m127", "m128", "m1151", "m1152", "m1183", "m1184", "m1200", "m1201"} {
		_, ok, err := tr.Session(ctx, id)
		require.NoError(t, err)
		assert.True(t, ok, "%s of the chunks of a large batch is stored", id)
	}
	// An id twice in one batch, in its last, single-row chunk: none stored.
	var twice []store.Session
	for i := range 129 {
		twice = append(twice, click(fmt.Sprintf("t%d", i), "poker", "beta", t0))
	}
	twice = append(twice, click("t3", "poker", "beta", t0))
	assert.ErrorIs(t, tr.Clicks(ctx, twice), store.ErrSession)
	_, ok, err = tr.Session(ctx, "t0")
	require.NoError(t, err)
	assert.False(t, ok, "a batch with an id twice stores nothing")
}

// testWindow: the window is half-open, [click, click + window).
func testWindow(t *testing.T, d Driver) {
	_, tr := tracked(t, d)
	clicks(t, tr, click("s1", "casino", "alpha", t0))
	for _, c := range []struct {
		at     time.Time
		reject store.Rejection
	}{
		{t0.Add(-time.Nanosecond), store.RejectBeforeClick},
		{t0, ""},
		{t0.Add(window - time.Nanosecond), ""},
		{t0.Add(window), store.RejectExpired},
	} {
		ref := c.at.Format(time.RFC3339Nano)
		got := conv(t, tr, store.ConversionRequest{Session: "s1", Kind: "registration", AdvertiserRef: ref, At: c.at})
		assert.Equal(t, c.reject, got.Rejected, "conversion at %s", ref)
		if c.reject == "" {
			assert.Equal(t, "s1", got.Conversion.Session)
			assert.True(t, got.Conversion.Click.Equal(t0))
		}
	}
	assert.Len(t, allConversions(t, tr), 2, "the rejected are not recorded")

	// The same for a conversion naming only the player: the window of the
	// player's click.
	got := conv(t, tr, store.ConversionRequest{Session: "s1", Player: "p1", Kind: "bind", At: t0})
	require.Empty(t, got.Rejected)
	got = conv(t, tr, store.ConversionRequest{Player: "p1", Offer: "casino", Kind: "deposit", AdvertiserRef: "d1", At: t0.Add(window - time.Nanosecond)})
	assert.Empty(t, got.Rejected)
	got = conv(t, tr, store.ConversionRequest{Player: "p1", Offer: "casino", Kind: "deposit", AdvertiserRef: "d2", At: t0.Add(window)})
	assert.Equal(t, store.RejectNoClick, got.Rejected, "exactly at the end of the window")
	got = conv(t, tr, store.ConversionRequest{Player: "p1", Offer: "casino", Kind: "deposit", AdvertiserRef: "d3", At: t0.Add(time.Hour), Window: time.Hour})
	assert.Equal(t, store.RejectNoClick, got.Rejected, "the window is the request's")

	// WindowOf: the window of the named session's offer, asked once the
	// store has read the session.
	var asked []string
	of := func(offer string) time.Duration {
		asked = append(asked, offer)
		return time.Hour
	}
	clicks(t, tr, click("s2", "poker", "beta", t0))
	for _, c := range []struct {
		at     time.Time
		reject store.Rejection
	}{{t0.Add(time.Hour - time.Nanosecond), ""}, {t0.Add(time.Hour), store.RejectExpired}} {
		rs, err := tr.Convert(context.Background(), []store.ConversionRequest{{Session: "s2", Kind: "registration",
			AdvertiserRef: c.at.String(), At: c.at, WindowOf: of}}, nil)
		require.NoError(t, err)
		assert.Equal(t, c.reject, rs[0].Rejected, "conversion at %s", c.at)
	}
	assert.Equal(t, []string{"poker", "poker"}, asked)
	_, err := tr.Convert(context.Background(), []store.ConversionRequest{{Session: "s2", Kind: "registration", At: t0}}, nil)
	assert.ErrorIs(t, err, store.ErrConversion, "neither a window nor WindowOf")
	n := len(allConversions(t, tr))
	_, err = tr.Convert(context.Background(), []store.ConversionRequest{{Session: "s2", Kind: "registration", AdvertiserRef: "none", At: t0,
		WindowOf: func(string) time.Duration { return 0 }}}, nil)
	assert.ErrorIs(t, err, store.ErrConversion, "WindowOf gives the offer no window")
	assert.Len(t, allConversions(t, tr), n, "nothing recorded")
}

// testLastClick: a conversion goes to the player's last click on the
// offer within the window, whichever session it names.
func testLastClick(t *testing.T, d Driver) {
	ctx := context.Background()
	_, tr := tracked(t, d)
	clicks(t, tr,
		click("a", "casino", "alpha", t0),
		click("b", "casino", "beta", t0.Add(time.Hour)),
		click("p", "poker", "beta", t0.Add(3*time.Hour)),
	)
	// Registration on a at 00:30: ties a and b? No: it ties a, the session
	// named; b is nobody's yet.
	got := conv(t, tr, store.ConversionRequest{Session: "a", Player: "p1", Kind: "registration", At: t0.Add(30 * time.Minute)})
	require.Empty(t, got.Rejected)
	assert.Equal(t, "a", got.Conversion.Session)
	assert.Equal(t, "alpha", got.Conversion.Publisher)
	assert.Equal(t, [5]string{"s1-a"}, got.Conversion.Sub)
	s, _, err := tr.Session(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, "p1", s.Player, "the conversion tied the session to the player")

	// b is tied by a conversion naming it and the player: the player's
	// last click is b.
	got = conv(t, tr, store.ConversionRequest{Session: "b", Player: "p1", Kind: "login", At: t0.Add(2 * time.Hour)})
	require.Empty(t, got.Rejected)
	assert.Equal(t, "b", got.Conversion.Session)

	// A deposit naming the player, or the older session a, goes to b.
	got = conv(t, tr, store.ConversionRequest{Player: "p1", Offer: "casino", Kind: "first_deposit", AdvertiserRef: "tx1", At: t0.Add(4 * time.Hour)})
	require.Empty(t, got.Rejected)
	assert.Equal(t, "b", got.Conversion.Session)
	assert.Equal(t, "beta", got.Conversion.Publisher)
	got = conv(t, tr, store.ConversionRequest{Session: "a", Kind: "deposit", AdvertiserRef: "tx2", At: t0.Add(5 * time.Hour)})
	require.Empty(t, got.Rejected)
	assert.Equal(t, "b", got.Conversion.Session, "a tied session counts as the player's: the last click wins")
	assert.Equal(t, "p1", got.Conversion.Player)
	// Before b, the last click was a.
	got = conv(t, tr, store.ConversionRequest{Player: "p1", Offer: "casino", Kind: "deposit", AdvertiserRef: "tx0", At: t0.Add(59 * time.Minute)})
	require.Empty(t, got.Rejected)
	assert.Equal(t, "a", got.Conversion.Session)
	// After b's window, a's is over too: no click.
	got = conv(t, tr, store.ConversionRequest{Player: "p1", Offer: "casino", Kind: "deposit", AdvertiserRef: "tx3", At: t0.Add(time.Hour + window)})
	assert.Equal(t, store.RejectNoClick, got.Rejected)
	// Clicks on another offer do not count.
	got = conv(t, tr, store.ConversionRequest{Player: "p1", Offer: "poker", Kind: "deposit", At: t0.Add(4 * time.Hour)})
	assert.Equal(t, store.RejectNoClick, got.Rejected)

	// Two clicks at the same time: the greater session id is the last.
	clicks(t, tr, click("x1", "poker", "alpha", t0), click("x2", "poker", "beta", t0))
	conv(t, tr, store.ConversionRequest{Session: "x1", Player: "p2", Kind: "registration", At: t0})
	conv(t, tr, store.ConversionRequest{Session: "x2", Player: "p2", Kind: "registration", At: t0})
	got = conv(t, tr, store.ConversionRequest{Player: "p2", Offer: "poker", Kind: "deposit", At: t0.Add(time.Minute)})
	assert.Equal(t, "x2", got.Conversion.Session)
}

func testConversionRepeats(t *testing.T, d Driver) {
	_, tr := tracked(t, d)
	clicks(t, tr, click("a", "casino", "alpha", t0), click("b", "casino", "alpha", t0.Add(time.Hour)))
	first := conv(t, tr, store.ConversionRequest{Session: "a", Player: "p1", Kind: "first_deposit", Amount: dec("50.00"), Currency: "EUR", AdvertiserRef: "tx1", At: t0.Add(time.Minute)})
	require.Empty(t, first.Rejected)
	assert.False(t, first.Repeat)
	assertDec(t, "50.00", first.Conversion.Amount, "amount")
	assert.EqualValues(t, -2, allConversions(t, tr)[0].Amount.Exponent(), "kept exactly as given: 50.00")

	// The same report again, even after a newer click and later: a repeat.
	again := conv(t, tr, store.ConversionRequest{Session: "a", Player: "p1", Kind: "first_deposit", Amount: dec("50.00"), Currency: "EUR", AdvertiserRef: "tx1", At: t0.Add(2 * time.Hour)})
	assert.True(t, again.Repeat)
	assert.Equal(t, convText(first.Conversion), convText(again.Conversion), "a repeat answers the first")
	// The same session, kind and reference reached through the player.
	again = conv(t, tr, store.ConversionRequest{Player: "p1", Offer: "casino", Kind: "first_deposit", AdvertiserRef: "tx1", At: t0.Add(2 * time.Minute)})
	assert.True(t, again.Repeat)
	assert.Equal(t, first.Conversion.Seq, again.Conversion.Seq)
	// Another reference, or another kind, is another conversion.
	other := conv(t, tr, store.ConversionRequest{Session: "a", Kind: "first_deposit", AdvertiserRef: "tx2", At: t0.Add(3 * time.Minute)})
	assert.False(t, other.Repeat)
	other = conv(t, tr, store.ConversionRequest{Session: "a", Kind: "registration", AdvertiserRef: "tx1", At: t0.Add(3 * time.Minute)})
	assert.False(t, other.Repeat)
	// Within one batch.
	c := store.ConversionRequest{Session: "b", Kind: "registration", At: t0.Add(2 * time.Hour), Window: window}
	got, err := tr.Convert(context.Background(), []store.ConversionRequest{c, c}, nil)
	require.NoError(t, err)
	assert.False(t, got[0].Repeat)
	assert.True(t, got[1].Repeat)
	assert.Len(t, allConversions(t, tr), 4)
}

func testRejections(t *testing.T, d Driver) {
	ctx := context.Background()
	_, tr := tracked(t, d)
	clicks(t, tr, click("a", "casino", "alpha", t0))
	conv(t, tr, store.ConversionRequest{Session: "a", Player: "p1", Kind: "registration", At: t0})
	for name, c := range map[string]struct {
		req  store.ConversionRequest
		want store.Rejection
	}{
		"unknown session": {store.ConversionRequest{Session: "zz", Kind: "deposit", At: t0}, store.RejectUnknownSession},
		"other player":    {store.ConversionRequest{Session: "a", Player: "p2", Kind: "deposit", At: t0}, store.RejectOtherPlayer},
		"other offer":     {store.ConversionRequest{Session: "a", Offer: "poker", Kind: "deposit", At: t0}, store.RejectOtherOffer},
		"no click":        {store.ConversionRequest{Player: "p9", Offer: "casino", Kind: "deposit", At: t0}, store.RejectNoClick},
		// Any offer's reference, up to limits.StringBytes, as offers have.
		"offer at the bound": {store.ConversionRequest{Player: "p9", Offer: strings.Repeat("o", store.OfferRefBytes), Kind: "deposit", At: t0}, store.RejectNoClick},
	} {
		assert.Equal(t, c.want, conv(t, tr, c.req).Rejected, name)
	}
	for name, c := range map[string]store.ConversionRequest{
		"nothing named":       {Kind: "deposit", At: t0, Window: window},
		"player, no offer":    {Player: "p1", Kind: "deposit", At: t0, Window: window},
		"no kind":             {Session: "a", At: t0, Window: window},
		"no window":           {Session: "a", Kind: "deposit", At: t0},
		"no time":             {Session: "a", Kind: "deposit", Window: window},
		"amount, no currency": {Session: "a", Kind: "deposit", Amount: dec("1"), At: t0, Window: window},
		"long reference":      {Session: "a", Kind: "deposit", AdvertiserRef: strings.Repeat("r", store.RefBytes+1), At: t0, Window: window},
		"long offer":          {Player: "p1", Offer: strings.Repeat("o", store.OfferRefBytes+1), Kind: "deposit", At: t0, Window: window},
	} {
		good := store.ConversionRequest{Session: "a", Kind: "other", At: t0, Window: window}
		_, err := tr.Convert(ctx, []store.ConversionRequest{good, c}, nil)
		assert.ErrorIs(t, err, store.ErrConversion, name)
	}
	assert.Len(t, allConversions(t, tr), 1, "rejected and refused conversions are not recorded")
}

// testPrice: the price sees the publisher's conversions recorded before,
// those of the same batch included; its error records nothing.
func testPrice(t *testing.T, d Driver) {
	ctx := context.Background()
	_, tr := tracked(t, d)
	clicks(t, tr, click("a", "casino", "alpha", t0), click("b", "casino", "beta", t0))
	// 10 EUR a conversion, 5 EUR more from the publisher's third on (the
	// conversion priced is recorded: the reader sees it).
	price := func(c *store.Conversion, r store.ConversionReader) error {
		before, err := r.PublisherConversions(c.Publisher, t0, c.At.Add(time.Nanosecond))
		if err != nil {
			return err
		}
		since, err := r.PublisherSince(c.Publisher, 0, t0)
		if err != nil {
			return err
		}
		if c.Seq == 0 || len(since) != len(before) || since[len(since)-1].Seq != c.Seq {
			return fmt.Errorf("conversion %d: not read as recorded: %d by time, %d since", c.Seq, len(before), len(since))
		}
		if len(since) > 1 {
			after, err := r.PublisherSince(c.Publisher, since[0].Seq, t0)
			if err != nil {
				return err
			}
			if len(after) != len(since)-1 || after[0].Seq != since[1].Seq {
				return fmt.Errorf("conversion %d: since %d reads %d", c.Seq, since[0].Seq, len(after))
			}
		}
		c.Payout, c.PayoutCurrency = dec("10"), "EUR"
		if len(before) >= 3 {
			c.Payout = dec("15")
		}
		c.Revenue, c.RevenueCurrency = dec("25.50"), "EUR"
		return nil
	}
	var reqs []store.ConversionRequest
	for i := range 3 {
		reqs = append(reqs, store.ConversionRequest{Session: "a", Kind: "deposit", AdvertiserRef: fmt.Sprint(i), At: t0.Add(time.Duration(i) * time.Minute), Window: window})
	}
	reqs = append(reqs, store.ConversionRequest{Session: "b", Kind: "deposit", At: t0.Add(time.Hour), Window: window})
	got, err := tr.Convert(ctx, reqs, price)
	require.NoError(t, err)
	for i, want := range []string{"10", "10", "15", "10"} {
		assertDec(t, want, got[i].Conversion.Payout, fmt.Sprintf("payout %d", i))
		assert.Equal(t, "EUR", got[i].Conversion.PayoutCurrency)
		assertDec(t, "25.50", got[i].Conversion.Revenue, "revenue")
	}
	stored := allConversions(t, tr)
	require.Len(t, stored, 4)
	assert.EqualValues(t, -2, stored[0].Revenue.Exponent(), "the revenue as computed, exactly: 25.50")

	failing := func(*store.Conversion, store.ConversionReader) error { return fmt.Errorf("no rule prices it") }
	_, err = tr.Convert(ctx, []store.ConversionRequest{{Session: "b", Kind: "other", At: t0.Add(time.Hour), Window: window}}, failing)
	assert.ErrorContains(t, err, "no rule prices it")
	assert.Len(t, allConversions(t, tr), 4)
}

func testErase(t *testing.T, d Driver) {
	ctx := context.Background()
	_, tr := tracked(t, d)
	clicks(t, tr, click("a", "casino", "alpha", t0), click("b", "casino", "beta", t0.Add(time.Hour)), click("c", "casino", "beta", t0))
	conv(t, tr, store.ConversionRequest{Session: "a", Player: "p1", Kind: "registration", At: t0})
	conv(t, tr, store.ConversionRequest{Session: "b", Player: "p1", Kind: "registration", At: t0.Add(time.Hour)})
	conv(t, tr, store.ConversionRequest{Session: "c", Player: "p2", Kind: "registration", At: t0})
	conv(t, tr, store.ConversionRequest{Player: "p1", Offer: "casino", Kind: "deposit", AdvertiserRef: "x", At: t0.Add(2 * time.Hour)})
	n, err := tr.ErasePlayer(ctx, "p1")
	require.NoError(t, err)
	assert.EqualValues(t, 2, n)
	for _, id := range []string{"a", "b"} {
		s, _, err := tr.Session(ctx, id)
		require.NoError(t, err)
		assert.Empty(t, s.Player, "session %s", id)
	}
	s, _, err := tr.Session(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, "p2", s.Player, "another player stays")
	all := allConversions(t, tr)
	require.Len(t, all, 4, "the conversions stay, anonymous")
	for _, c := range all {
		if c.Session != "c" {
			assert.Empty(t, c.Player)
		}
	}
	// The player is unknown now: a conversion naming only them finds no click.
	got := conv(t, tr, store.ConversionRequest{Player: "p1", Offer: "casino", Kind: "deposit", AdvertiserRef: "y", At: t0.Add(3 * time.Hour)})
	assert.Equal(t, store.RejectNoClick, got.Rejected)
}

func testTrackingReport(t *testing.T, d Driver) {
	ctx := context.Background()
	_, tr := tracked(t, d)
	day0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	ip1, ip2 := []byte{1}, []byte{2}
	ss := []store.Session{
		{ID: "a", Offer: "casino", Publisher: "alpha", IPHash: ip1, At: day0.Add(time.Hour)},
		{ID: "b", Offer: "casino", Publisher: "alpha", IPHash: ip1, At: day0.Add(2 * time.Hour)},
		{ID: "c", Offer: "casino", Publisher: "alpha", IPHash: ip2, At: day0.Add(3 * time.Hour)},
		{ID: "d", Offer: "casino", Publisher: "alpha", At: day0.Add(4 * time.Hour)},
		{ID: "e", Offer: "casino", Publisher: "beta", At: day0.Add(25 * time.Hour)},
		{ID: "f", Offer: "casino", Publisher: "alpha", At: day0.Add(-time.Nanosecond)},
	}
	clicks(t, tr, ss...)
	price := func(c *store.Conversion, _ store.ConversionReader) error {
		c.Payout, c.PayoutCurrency = dec("10.10"), "EUR"
		c.Revenue, c.RevenueCurrency = c.Amount.Mul(dec("0.3")), c.Currency
		return nil
	}
	reqs := []store.ConversionRequest{
		{Session: "a", Kind: "registration", At: day0.Add(time.Hour)},
		{Session: "a", Kind: "first_deposit", Amount: dec("100.01"), Currency: "EUR", At: day0.Add(5 * time.Hour)},
		{Session: "c", Kind: "registration", At: day0.Add(5 * time.Hour)},
		{Session: "b", Kind: "first_deposit", Amount: dec("20"), Currency: "USD", At: day0.Add(23 * time.Hour)},
		{Session: "e", Kind: "registration", At: day0.Add(26 * time.Hour)},
		// Clicked on day 0, converted on day 1: counted on day 1.
		{Session: "d", Kind: "registration", At: day0.Add(30 * time.Hour)},
	}
	for i := range reqs {
		reqs[i].Window = window
	}
	_, err := tr.Convert(ctx, reqs, price)
	require.NoError(t, err)
	rows, err := tr.TrackingReport(ctx, day0, day0.Add(48*time.Hour))
	require.NoError(t, err)
	require.Len(t, rows, 3)
	r := rows[0]
	assert.True(t, r.Day.Equal(day0))
	assert.Equal(t, "alpha", r.Publisher)
	assert.EqualValues(t, 4, r.Clicks)
	assert.EqualValues(t, 2, r.Unique, "ip1 twice, ip2")
	assert.EqualValues(t, 1, r.Unhashed, "one without a hash")
	assert.Equal(t, map[string]int64{"registration": 2, "first_deposit": 2}, r.Conversions)
	require.Len(t, r.Money, 2)
	assert.Equal(t, "EUR", r.Money[0].Currency)
	assertDec(t, "40.40", r.Money[0].Payout, "payout EUR")
	assertDec(t, "30.003", r.Money[0].Revenue, "revenue EUR")
	assertDec(t, "-10.397", r.Money[0].Margin, "margin EUR")
	assert.Equal(t, "USD", r.Money[1].Currency)
	assertDec(t, "0", r.Money[1].Payout, "payout USD")
	assertDec(t, "6", r.Money[1].Margin, "margin USD")

	r = rows[1]
	assert.True(t, r.Day.Equal(day0.Add(24*time.Hour)))
	assert.Equal(t, "alpha", r.Publisher)
	assert.EqualValues(t, 0, r.Clicks)
	assert.Equal(t, map[string]int64{"registration": 1}, r.Conversions)
	r = rows[2]
	assert.Equal(t, "beta", r.Publisher)
	assert.EqualValues(t, 1, r.Clicks)
	assert.EqualValues(t, 0, r.Unique)
	assert.EqualValues(t, 1, r.Unhashed, "a click without a hash")
}

// testTrackingReportCurrencies: each conversion of a row is counted in
// one currency of the row's money, that of its payout (of its revenue
// when it has none), and those without money in none, so that the counts
// per currency add up to the row's and never count a conversion twice.
func testTrackingReportCurrencies(t *testing.T, d Driver) {
	ctx := context.Background()
	_, tr := tracked(t, d)
	day0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	clicks(t, tr, store.Session{ID: "a", Offer: "casino", Publisher: "alpha", At: day0.Add(time.Hour)})
	price := func(c *store.Conversion, _ store.ConversionReader) error {
		switch c.AdvertiserRef {
		case "payout-and-revenue": // in two currencies: counted in the payout's
			c.Payout, c.PayoutCurrency = dec("5"), "EUR"
			c.Revenue, c.RevenueCurrency = dec("7"), "USD"
		case "revenue-only":
			c.Revenue, c.RevenueCurrency = dec("3"), "USD"
		case "payout-only":
			c.Payout, c.PayoutCurrency = dec("2"), "EUR"
		}
		return nil
	}
	var reqs []store.ConversionRequest
	for i, ref := range []string{"payout-and-revenue", "revenue-only", "payout-only", "none"} {
		reqs = append(reqs, store.ConversionRequest{Session: "a", Kind: "deposit", AdvertiserRef: ref, Amount: dec("10"), Currency: "USD",
			At: day0.Add(time.Duration(2+i) * time.Hour), Window: window})
	}
	reqs = append(reqs, store.ConversionRequest{Session: "a", Kind: "registration", At: day0.Add(7 * time.Hour), Window: window})
	_, err := tr.Convert(ctx, reqs, price)
	require.NoError(t, err)
	rows, err := tr.TrackingReport(ctx, day0, day0.Add(24*time.Hour))
	require.NoError(t, err)
	require.Len(t, rows, 1)
	r := rows[0]
	assert.EqualValues(t, 1, r.Clicks)
	assert.Equal(t, map[string]int64{"deposit": 4, "registration": 1}, r.Conversions)
	require.Len(t, r.Money, 2)
	assert.Equal(t, "EUR", r.Money[0].Currency)
	assert.Equal(t, map[string]int64{"deposit": 2}, r.Money[0].Conversions, "payout in EUR, revenue or not")
	assertDec(t, "7", r.Money[0].Payout, "payout EUR")
	assert.Equal(t, "USD", r.Money[1].Currency)
	assert.Equal(t, map[string]int64{"deposit": 1}, r.Money[1].Conversions, "revenue only, in USD")
	assertDec(t, "10", r.Money[1].Revenue, "revenue USD")
}

// convText is a conversion as text, for comparisons.
func convText(c store.Conversion) string {
	return fmt.Sprintf("%d %s %s %s %s %s %s %s %s %s %s %s %s %s %s %v", c.Seq, c.Session, c.Offer, c.Publisher, c.Player, c.Kind,
		c.Amount, c.Currency, c.AdvertiserRef, c.At.Format(time.RFC3339Nano), c.Click.Format(time.RFC3339Nano),
		c.Payout, c.PayoutCurrency, c.Revenue, c.RevenueCurrency, c.Sub)
}

// trackOp is one step of a player's script: a click, or a conversion.
type trackOp struct {
	click *store.Session
	conv  *store.ConversionRequest
}

// attributionScript is the script of player i: clicks on two offers by
// both publishers, a registration tying one of them, deposits naming the
// player, conversions naming sessions, some out of their window, some
// reported twice. Times are per player, in order.
func attributionScript(rng *rand.Rand, i int) []trackOp {
	var ops []trackOp
	at := t0.Add(time.Duration(i) * time.Minute)
	player := fmt.Sprintf("p%d", i)
	var sessions []string
	for k := range 2 + rng.IntN(4) {
		at = at.Add(time.Duration(rng.IntN(48)) * time.Hour)
		offer := []string{"casino", "poker"}[rng.IntN(2)]
		s := click(fmt.Sprintf("p%d-c%d", i, k), offer, []string{"alpha", "beta"}[rng.IntN(2)], at)
		ops = append(ops, trackOp{click: &s})
		sessions = append(sessions, s.ID)
		w := window
		if rng.IntN(3) == 0 {
			w = 36 * time.Hour
		}
		for j := range rng.IntN(4) {
			at = at.Add(time.Duration(rng.IntN(30)) * time.Hour)
			c := store.ConversionRequest{Kind: []string{"registration", "first_deposit", "deposit"}[rng.IntN(3)],
				AdvertiserRef: fmt.Sprintf("r%d", rng.IntN(3)), Amount: dec(fmt.Sprintf("%d.%02d", rng.IntN(500), j)), Currency: "EUR", At: at, Window: w}
			switch rng.IntN(3) {
			case 0:
				c.Session, c.Player = sessions[rng.IntN(len(sessions))], player
			case 1:
				c.Session = sessions[rng.IntN(len(sessions))]
			default:
				c.Player, c.Offer = player, offer
			}
			ops = append(ops, trackOp{conv: &c})
			if rng.IntN(4) == 0 {
				ops = append(ops, trackOp{conv: &c}) // reported twice
			}
		}
	}
	return ops
}

// attribution is what a store made of the conversions: per conversion
// reported (player, index in the script), the session, publisher, repeat
// and rejection.
type attribution map[string]string

// tierWindow is the window of tierPrice.
const tierWindow = 36 * time.Hour

// tierPrice is a tiered price: the payout of a conversion is the number of
// its publisher's conversions within tierWindow up to it, itself included,
// as recorded before it (checkTiers).
func tierPrice(c *store.Conversion, r store.ConversionReader) error {
	before, err := r.PublisherConversions(c.Publisher, c.At.Add(-tierWindow), c.At.Add(time.Nanosecond))
	if err != nil {
		return err
	}
	c.Payout, c.PayoutCurrency = dec(fmt.Sprint(len(before))), "EUR"
	return nil
}

// checkTiers checks that each stored conversion was priced by tierPrice
// over exactly the conversions of its publisher recorded before it (by
// sequence number, which is their commit order within a publisher).
func checkTiers(t *testing.T, tr store.Tracking) {
	t.Helper()
	all := allConversions(t, tr)
	for _, c := range all {
		n := 0
		for _, e := range all {
			if e.Publisher == c.Publisher && e.Seq <= c.Seq && !e.At.Before(c.At.Add(-tierWindow)) && !e.At.After(c.At) {
				n++
			}
		}
		assertDec(t, fmt.Sprint(n), c.Payout, fmt.Sprintf("the tier of conversion %d", c.Seq))
	}
}

func runScript(ctx context.Context, tr store.Tracking, i int, ops []trackOp, got attribution, mu *sync.Mutex) error {
	for j, op := range ops {
		if op.click != nil {
			if err := tr.Clicks(ctx, []store.Session{*op.click}); err != nil {
				return err
			}
			continue
		}
		r, err := tr.Convert(ctx, []store.ConversionRequest{*op.conv}, tierPrice)
		if err != nil {
			return err
		}
		c := r[0].Conversion
		mu.Lock()
		got[fmt.Sprintf("p%d/%d", i, j)] = fmt.Sprintf("%s %s %s repeat=%v rejected=%q", c.Session, c.Publisher, c.Amount, r[0].Repeat, r[0].Rejected)
		mu.Unlock()
	}
	return nil
}

// AttributionRace runs the scripts of players, each player's in order,
// from workers goroutines at once, and checks that every conversion is
// attributed, repeated or rejected as a sequential run on another
// database does; then that the stored conversions are the same, and that
// each was priced by a tiered price over exactly the conversions of its
// publisher recorded before it.
func AttributionRace(t *testing.T, d Driver, workers, players int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(14, 1))
	scripts := make([][]trackOp, players)
	for i := range scripts {
		scripts[i] = attributionScript(rng, i)
	}

	_, seqStore := tracked(t, d)
	want := attribution{}
	var mu sync.Mutex
	for i, ops := range scripts {
		require.NoError(t, runScript(ctx, seqStore, i, ops, want, &mu))
	}

	_, tr := tracked(t, d)
	got := attribution{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < players; i += workers {
				if err := runScript(ctx, tr, i, scripts[i], got, &mu); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, want, got, "the same attribution as a sequential run")

	stored := func(tr store.Tracking) []string {
		var out []string
		for _, c := range allConversions(t, tr) {
			out = append(out, fmt.Sprintf("%s %s %s %s %s %s", c.Session, c.Kind, c.AdvertiserRef, c.Player, c.Amount, c.At.Format(time.RFC3339Nano)))
		}
		sort.Strings(out)
		return out
	}
	assert.Equal(t, stored(seqStore), stored(tr))
	checkTiers(t, seqStore)
	checkTiers(t, tr)
	recorded, rejected := 0, 0
	for _, v := range want {
		if strings.Contains(v, `rejected=""`) && strings.Contains(v, "repeat=false") {
			recorded++
		}
		if !strings.Contains(v, `rejected=""`) {
			rejected++
		}
	}
	assert.Len(t, stored(tr), recorded)
	t.Logf("%d conversions recorded, %d rejected, of %d reported", recorded, rejected, len(want))
	assert.Greater(t, recorded, players, "the scripts record conversions")
	assert.Greater(t, rejected, 0, "the scripts reject some")
}

// ParallelPublishers, for a store with several writers (PostgreSQL): a
// transaction converting for one publisher does not hold up one for
// another. A price of alpha's conversion waits, within its transaction,
// until beta's conversion is recorded by another transaction.
func ParallelPublishers(t *testing.T, d Driver) {
	ctx := context.Background()
	_, tr := tracked(t, d)
	clicks(t, tr, click("a", "casino", "alpha", t0), click("b", "casino", "beta", t0))
	alphaIn, betaDone := make(chan struct{}), make(chan struct{})
	price := func(c *store.Conversion, _ store.ConversionReader) error {
		if c.Publisher != "alpha" {
			return nil
		}
		close(alphaIn)
		select {
		case <-betaDone:
			return nil
		case <-time.After(30 * time.Second):
			return fmt.Errorf("beta's conversion was held up by alpha's transaction")
		}
	}
	errc := make(chan error, 1)
	go func() {
		_, err := tr.Convert(ctx, []store.ConversionRequest{{Session: "a", Player: "p1", Kind: "deposit", At: t0.Add(time.Minute), Window: window}}, price)
		errc <- err
	}()
	<-alphaIn
	got := conv(t, tr, store.ConversionRequest{Session: "b", Player: "p2", Kind: "deposit", At: t0.Add(time.Minute)})
	assert.Empty(t, got.Rejected)
	close(betaDone)
	require.NoError(t, <-errc)
	assert.Len(t, allConversions(t, tr), 2)
}

// testAttempts: the reader names each transaction's attempt apart, and
// Recorded finds a conversion of this attempt or of a committed one, not
// one of a transaction rolled back.
func testAttempts(t *testing.T, d Driver) {
	ctx := context.Background()
	_, tr := tracked(t, d)
	clicks(t, tr, click("a", "casino", "alpha", t0))
	type seen struct {
		attempt       uint64
		seq           int64
		self, missing bool
	}
	var got []seen
	record := func(fail bool) store.Pricer {
		return func(c *store.Conversion, r store.ConversionReader) error {
			self, err := r.Recorded(c.Seq)
			if err != nil {
				return err
			}
			missing, err := r.Recorded(c.Seq + 1000)
			if err != nil {
				return err
			}
			got = append(got, seen{r.Attempt(), c.Seq, self, missing})
			if fail {
				return fmt.Errorf("no rule prices it")
			}
			return nil
		}
	}
	req := func(ref string) []store.ConversionRequest {
		return []store.ConversionRequest{{Session: "a", Kind: "deposit", AdvertiserRef: ref, At: t0, Window: window}}
	}
	_, err := tr.Convert(ctx, req("1"), record(false))
	require.NoError(t, err)
	_, err = tr.Convert(ctx, req("2"), record(true))
	require.Error(t, err, "the price's error rolls the transaction back")
	_, err = tr.Convert(ctx, req("3"), record(false))
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, g := range got {
		assert.True(t, g.self, "attempt %d: its own conversion is recorded", i)
		assert.False(t, g.missing, "attempt %d: a sequence number not written", i)
	}
	assert.NotEqual(t, got[0].attempt, got[1].attempt)
	assert.NotEqual(t, got[1].attempt, got[2].attempt)
	probe := func(seq int64) bool {
		var ok bool
		_, err := tr.Convert(ctx, req(fmt.Sprint("probe", seq)), func(c *store.Conversion, r store.ConversionReader) error {
			var err error
			ok, err = r.Recorded(seq)
			return err
		})
		require.NoError(t, err)
		return ok
	}
	assert.True(t, probe(got[0].seq), "a committed conversion")
	if got[1].seq != got[0].seq && got[1].seq != got[2].seq {
		assert.False(t, probe(got[1].seq), "the rolled-back conversion")
	}
}

// testTiedMeanwhile: a conversion naming only the player, begun while
// another transaction ties a session of another publisher to the player,
// goes to that session once the other commits (on PostgreSQL it finds
// the session's publisher after it took its locks, takes that lock too
// and considers the conversion again).
func testTiedMeanwhile(t *testing.T, d Driver) {
	ctx := context.Background()
	_, tr := tracked(t, d)
	clicks(t, tr, click("a", "casino", "alpha", t0), click("b", "casino", "beta", t0.Add(time.Minute)))
	conv(t, tr, store.ConversionRequest{Session: "a", Player: "p1", Kind: "registration", At: t0})
	in, release := make(chan struct{}), make(chan struct{})
	hold := func(*store.Conversion, store.ConversionReader) error {
		close(in)
		<-release
		return nil
	}
	tied := make(chan error, 1)
	go func() {
		// Ties b to p1 and holds its locks until released.
		_, err := tr.Convert(ctx, []store.ConversionRequest{{Session: "b", Player: "p1", Kind: "registration", At: t0.Add(time.Minute), Window: window}}, hold)
		tied <- err
	}()
	<-in
	got := make(chan store.ConversionResult, 1)
	go func() {
		r, err := tr.Convert(ctx, []store.ConversionRequest{{Player: "p1", Offer: "casino", Kind: "deposit", AdvertiserRef: "d1", At: t0.Add(2 * time.Minute), Window: window}}, nil)
		assert.NoError(t, err)
		got <- r[0]
	}()
	// Let the second begin (and find its locks) while the first holds
	// them; the result is the same if it begins later.
	time.Sleep(50 * time.Millisecond)
	close(release)
	require.NoError(t, <-tied)
	r := <-got
	require.Empty(t, r.Rejected)
	assert.Equal(t, "b", r.Conversion.Session, "the player's last click, tied meanwhile")
	assert.Equal(t, "beta", r.Conversion.Publisher)
}
