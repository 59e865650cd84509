package tracking_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
	"github.com/promoc/promoc/runtime/tracking"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

func newStore(t testing.TB) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.OpenFresh(ctx, filepath.Join(t.TempDir(), "promoc.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "casino", WebPage: "https://example.com/join?lang=en"}))
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "nopage"}))
	require.NoError(t, s.PutPublisher(ctx, store.Publisher{Ref: "alpha", Created: t0}))
	return s
}

func newTracker(t *testing.T, s *sqlite.Store, cfg tracking.Config) *tracking.Tracker {
	t.Helper()
	cfg.Store = s
	if cfg.Clock == nil {
		cfg.Clock = func() time.Time { return t0 }
	}
	tr, err := tracking.New(cfg)
	require.NoError(t, err)
	return tr
}

func TestClickAndConvert(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := t0
	tr := newTracker(t, s, tracking.Config{Secret: []byte("k1"), Clock: func() time.Time { return now },
		Window: func(offer string) time.Duration { return time.Hour }})
	se, landing, err := tr.Click(ctx, tracking.Click{Offer: "casino", Publisher: "alpha", Sub: [5]string{"b7"}, IP: "192.0.2.1"})
	require.NoError(t, err)
	u, err := url.Parse(landing)
	require.NoError(t, err)
	assert.Equal(t, "example.com", u.Host)
	assert.Equal(t, "en", u.Query().Get("lang"), "the landing page's own query stays")
	assert.Equal(t, se.ID, u.Query().Get("session"))
	assert.Len(t, se.ID, 32)
	got, ok, err := s.Session(ctx, se.ID)
	require.NoError(t, err)
	require.True(t, ok, "committed when Click returns")
	assert.Equal(t, tr.HashIP("192.0.2.1"), got.IPHash)
	assert.Len(t, got.IPHash, 32)
	assert.NotContains(t, string(got.IPHash), "192.0.2.1")

	r, err := tr.Convert(ctx, tracking.Conversion{Session: se.ID, Player: "p1", Kind: "registration"})
	require.NoError(t, err)
	require.Empty(t, r.Rejected)
	assert.True(t, r.Conversion.At.Equal(t0), "a conversion without a time happened now")
	now = t0.Add(time.Hour)
	r, err = tr.Convert(ctx, tracking.Conversion{Player: "p1", Offer: "casino", Kind: "first_deposit", Amount: decimal.RequireFromString("20"), Currency: "EUR"})
	require.NoError(t, err)
	assert.Equal(t, store.RejectNoClick, r.Rejected, "the offer's window of one hour, half-open")
	r, err = tr.Convert(ctx, tracking.Conversion{Session: "nope", Kind: "registration"})
	require.NoError(t, err)
	assert.Equal(t, store.RejectUnknownSession, r.Rejected)
	_, err = tr.Convert(ctx, tracking.Conversion{Session: se.ID, Kind: "registration", At: now.Add(tracking.MaxSkew + time.Second)})
	var ie *tracking.InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "time", ie.Field)

	for name, c := range map[string]tracking.Click{
		"unknown offer":     {Offer: "bingo", Publisher: "alpha"},
		"unknown publisher": {Offer: "casino", Publisher: "gamma"},
		"no landing page":   {Offer: "nopage", Publisher: "alpha"},
	} {
		_, _, err := tr.Click(ctx, c)
		require.ErrorAs(t, err, &ie, name)
	}
	rows, err := s.TrackingReport(ctx, t0.Add(-time.Hour), t0.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, rows, 1)
	assert.EqualValues(t, 1, rows[0].Clicks, "refused clicks store nothing")
}

func TestHashIP(t *testing.T) {
	s := newStore(t)
	a := newTracker(t, s, tracking.Config{Secret: []byte("k1")})
	b := newTracker(t, s, tracking.Config{Secret: []byte("k2")})
	none := newTracker(t, s, tracking.Config{})
	assert.Equal(t, a.HashIP("192.0.2.1"), a.HashIP("192.0.2.1"))
	assert.NotEqual(t, a.HashIP("192.0.2.1"), a.HashIP("192.0.2.2"))
	assert.NotEqual(t, a.HashIP("192.0.2.1"), b.HashIP("192.0.2.1"), "keyed")
	assert.Nil(t, none.HashIP("192.0.2.1"), "no secret, no address kept")

	// The HMAC-SHA-256 of the address keyed with the secret, the same
	// from hashes reused by many goroutines at once.
	want := func(ip string) []byte {
		m := hmac.New(sha256.New, []byte("k1"))
		m.Write([]byte(ip))
		return m.Sum(nil)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				ip := fmt.Sprintf("192.0.2.%d", (g*200+i)%256)
				assert.Equal(t, want(ip), a.HashIP(ip), ip)
			}
		})
	}
	wg.Wait()
}

// TestGroupCommit: clicks and conversions from many goroutines are all
// committed, in fewer transactions than requests, and a conversion whose
// price fails fails alone.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	var batches, failed atomic.Int64
	price := func(c *store.Conversion, _ store.ConversionReader) error {
		if c.AdvertiserRef == "poison" {
			failed.Add(1)
			return errors.New("cannot price it")
		}
		c.Payout, c.PayoutCurrency = decimal.RequireFromString("1.50"), "EUR"
		return nil
	}
	counting := countingStore{Store: s, batches: &batches}
	tr, err := tracking.New(tracking.Config{Store: counting, Price: price, Clock: func() time.Time { return t0 }})
	require.NoError(t, err)
	const n = 400
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			se, _, err := tr.Click(ctx, tracking.Click{Offer: "casino", Publisher: "alpha", Sub: [5]string{fmt.Sprint(i)}})
			assert.NoError(t, err)
			ids[i] = se.ID
		}()
	}
	wg.Wait()
	clickBatches := batches.Load()
	t.Logf("%d clicks in %d transactions", n, clickBatches)
	assert.Less(t, clickBatches, int64(n))
	var errs atomic.Int64
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ref := fmt.Sprint(i)
			if i%100 == 7 {
				ref = "poison"
			}
			r, err := tr.Convert(ctx, tracking.Conversion{Session: ids[i], Kind: "registration", Ref: ref})
			if err != nil {
				errs.Add(1)
				return
			}
			assert.Empty(t, r.Rejected)
			assert.Equal(t, "1.50", r.Conversion.Payout.StringFixed(2))
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 4, errs.Load(), "the poisoned conversions fail, alone")
	all, err := s.Conversions(ctx, 0, 10*n)
	require.NoError(t, err)
	assert.Len(t, all, n-4)
	rows, err := s.TrackingReport(ctx, t0, t0.Add(time.Second))
	require.NoError(t, err)
	require.Len(t, rows, 1)
	assert.EqualValues(t, n, rows[0].Clicks)
}

// countingStore counts the transactions that write clicks.
type countingStore struct {
	*sqlite.Store
	batches *atomic.Int64
}

func (c countingStore) Clicks(ctx context.Context, ss []store.Session) error {
	c.batches.Add(1)
	return c.Store.Clicks(ctx, ss)
}

// changingStore runs change once, after the first offer it reads: the
// change commits, and is forgotten, while a click holds the offer as it
// was.
type changingStore struct {
	*sqlite.Store
	change func()
}

func (c *changingStore) Offer(ctx context.Context, ref string) (store.Offer, bool, error) {
	o, found, err := c.Store.Offer(ctx, ref)
	if f := c.change; f != nil {
		c.change = nil
		f()
	}
	return o, found, err
}

// TestForgetDuringLookup: an offer read before the server changed it and
// called Forget (a rule set deployed while a click looked the offer up)
// is not kept: the next click reads the new landing page, not the old one
// for CacheFor.
func TestForgetDuringLookup(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	cs := &changingStore{Store: s}
	tr, err := tracking.New(tracking.Config{Store: cs, Clock: func() time.Time { return t0 }})
	require.NoError(t, err)
	cs.change = func() {
		require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "casino", WebPage: "https://example.com/v2"}))
		tr.Forget()
	}
	_, landing, err := tr.Click(ctx, tracking.Click{Offer: "casino", Publisher: "alpha"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(landing, "https://example.com/join?lang=en&session="), "read before the change: %s", landing)
	_, landing, err = tr.Click(ctx, tracking.Click{Offer: "casino", Publisher: "alpha"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(landing, "https://example.com/v2?session="), "the offer as changed, at once: %s", landing)
}
