package tracking

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// DefaultWindow is the attribution window of an offer no rule declares
// one for: 30 days, as spec/design.md's example.
const DefaultWindow = 30 * 24 * time.Hour

// Store is what the tracker keeps its state in: the offers of the store
// and its tracking.
type Store interface {
	Offer(ctx context.Context, ref string) (store.Offer, bool, error)
	store.Tracking
}

// Config configures a Tracker. Store is required.
type Config struct {
	Store Store
	// Secret keys the hash of clients' addresses (HMAC-SHA-256); without
	// one no address is kept, not even hashed.
	Secret []byte
	// Window is the attribution window of an offer; default DefaultWindow
	// for every offer.
	Window func(offer string) time.Duration
	// Price sets the payout and revenue of a conversion; default none
	// ([Prices.Price] prices with a rule set's payouts).
	Price store.Pricer
	// Currencies, when set and not empty, are the currencies a
	// conversion's amount may be in (the rule set's currencies
	// declaration): a conversion in another is refused, as its payouts
	// could not price it.
	Currencies func() []string
	// Forget, when set, is called after a batch of conversions failed (it
	// was not committed): [Prices.Forget], whose kept conversions may hold
	// some read in it.
	Forget func()
	// Clock is the time of clicks and of conversions that carry none;
	// default time.Now.
	Clock func() time.Time
	// CacheFor is how long an offer or a publisher found is kept in
	// memory; default 10 s. An offer changed in the database is seen after
	// at most this long; an unknown one is looked up every time.
	CacheFor time.Duration
	// MaxBatch bounds the clicks or conversions written in one
	// transaction; default 1000.
	MaxBatch int
	// ClickGap is the least time between the starts of two transactions
	// of clicks: one that would start sooner waits for the rest of it,
	// gathering the clicks that arrive meanwhile; default
	// DefaultClickGap, negative for none. A click that finds no
	// transaction of clicks started within the gap is written at once.
	ClickGap time.Duration
}

// DefaultClickGap is Config.ClickGap's default: at 10,000 clicks a second
// a transaction holds at least 5 of them (at most 2,000 commits a second,
// each a WAL write and an fsync), for at most half a millisecond more
// before a click's redirect.
const DefaultClickGap = 500 * time.Microsecond

// Tracker opens sessions and attributes conversions.
type Tracker struct {
	cfg    Config
	clicks batcher[store.Session, struct{}]
	convs  batcher[store.ConversionRequest, store.ConversionResult]
	ids    ids

	macs sync.Pool // of HMAC-SHA-256 keyed with the secret: HashIP

	mu     sync.Mutex
	offers map[string]cached[offerEntry]
	pubs   map[string]cached[store.Publisher]
	// forgets counts the calls of Forget: what a lookup read before one
	// is not kept, since it may be what Forget's change replaced.
	forgets uint64
}

type cached[T any] struct {
	v     T
	until time.Time
}

// offerEntry is an offer found, with its landing page parsed once.
type offerEntry struct {
	offer   store.Offer
	landing landing
}

// New makes a tracker.
func New(cfg Config) (*Tracker, error) {
	if cfg.Store == nil {
		return nil, errors.New("tracking: a store is required")
	}
	if cfg.Window == nil {
		cfg.Window = func(string) time.Duration { return DefaultWindow }
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.CacheFor <= 0 {
		cfg.CacheFor = 10 * time.Second
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 1000
	}
	if cfg.ClickGap == 0 {
		cfg.ClickGap = DefaultClickGap
	}
	t := &Tracker{cfg: cfg, offers: map[string]cached[offerEntry]{}, pubs: map[string]cached[store.Publisher]{}}
	t.clicks = batcher[store.Session, struct{}]{max: cfg.MaxBatch, gap: cfg.ClickGap, now: time.Now, sleep: time.Sleep,
		write: func(ctx context.Context, ss []store.Session) ([]struct{}, error) {
			return make([]struct{}, len(ss)), cfg.Store.Clicks(ctx, ss)
		}}
	t.convs = batcher[store.ConversionRequest, store.ConversionResult]{max: cfg.MaxBatch,
		write: func(ctx context.Context, cs []store.ConversionRequest) ([]store.ConversionResult, error) {
			rs, err := cfg.Store.Convert(ctx, cs, cfg.Price)
			if err != nil && cfg.Forget != nil {
				cfg.Forget()
			}
			return rs, err
		}}
	return t, nil
}

func (t *Tracker) now() time.Time { return t.cfg.Clock().UTC() }

// offer finds an offer, from the cache when fresh.
func (t *Tracker) offer(ctx context.Context, ref string) (offerEntry, bool, error) {
	now := time.Now()
	t.mu.Lock()
	c, ok := t.offers[ref]
	forgets := t.forgets
	t.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.v, true, nil
	}
	o, found, err := t.cfg.Store.Offer(ctx, ref)
	if err != nil || !found {
		return offerEntry{}, false, err
	}
	e := offerEntry{offer: o, landing: landingOf(o.WebPage)}
	t.mu.Lock()
	if t.forgets == forgets {
		t.offers[ref] = cached[offerEntry]{e, now.Add(t.cfg.CacheFor)}
	}
	t.mu.Unlock()
	return e, true, nil
}

// publisher finds a publisher, from the cache when fresh.
func (t *Tracker) publisher(ctx context.Context, ref string) (bool, error) {
	now := time.Now()
	t.mu.Lock()
	c, ok := t.pubs[ref]
	forgets := t.forgets
	t.mu.Unlock()
	if ok && now.Before(c.until) {
		return true, nil
	}
	p, found, err := t.cfg.Store.Publisher(ctx, ref)
	if err != nil || !found {
		return false, err
	}
	t.mu.Lock()
	if t.forgets == forgets {
		t.pubs[ref] = cached[store.Publisher]{p, now.Add(t.cfg.CacheFor)}
	}
	t.mu.Unlock()
	return true, nil
}

// Forget drops the offers and publishers kept in memory: the next click
// reads them again. The server calls it when it changes them (a
// publisher put, a rule set deployed, which stores its offers); a change
// made by another process is seen after at most Config.CacheFor. A
// lookup that read the store before Forget does not keep what it read: a
// click's offer read as a rule set's deployment committed is not kept as
// it was before for CacheFor.
func (t *Tracker) Forget() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.forgets++
	clear(t.offers)
	clear(t.pubs)
}

// HashIP is the keyed hash of a client's address that a session keeps;
// nil without a secret.
func (t *Tracker) HashIP(ip string) []byte {
	if len(t.cfg.Secret) == 0 || ip == "" {
		return nil
	}
	// A keyed hash is reused (Reset returns it to its keyed state), so
	// that a click does not key one anew, with a buffer for the address.
	m, _ := t.macs.Get().(*keyedHash)
	if m == nil {
		m = &keyedHash{h: hmac.New(sha256.New, t.cfg.Secret)}
	} else {
		m.h.Reset()
	}
	m.buf = append(m.buf[:0], ip...)
	m.h.Write(m.buf)
	sum := m.h.Sum(make([]byte, 0, sha256.Size))
	t.macs.Put(m)
	return sum
}

// keyedHash is an HMAC keyed with the secret and a buffer for what it
// hashes (an address passed as a string would be copied to the heap for
// Write).
type keyedHash struct {
	h   hash.Hash
	buf []byte
}

// ids makes session ids: 16 bytes in hex, the first 8 the time of the
// click in nanoseconds (made increasing within a process), the last 8
// random. Sessions are keyed by id: ids in time order append to the end of
// the key's b-tree, where random ones would touch a page of it each, and
// the database would write that page at every commit. The random half
// keeps an id unguessable; the time in it is the session's own.
type ids struct {
	mu   sync.Mutex
	last int64
}

// next is the id of a session opened at at. crypto/rand.Read never fails
// (since Go 1.24 it does not return an error).
func (g *ids) next(at time.Time) string {
	var b [16]byte
	rand.Read(b[8:])
	g.mu.Lock()
	n := max(at.UnixNano(), g.last+1)
	g.last = n
	g.mu.Unlock()
	binary.BigEndian.PutUint64(b[:8], uint64(n))
	return hex.EncodeToString(b[:])
}

// Click opens the session of a click and returns it with the landing page
// to redirect to: the offer's web page with the session id added as the
// query parameter "session". The session is committed when Click returns.
func (t *Tracker) Click(ctx context.Context, c Click) (store.Session, string, error) {
	o, ok, err := t.offer(ctx, c.Offer)
	if err != nil {
		return store.Session{}, "", err
	}
	if !ok {
		return store.Session{}, "", &InputError{Field: "offer", Code: UnknownOffer, Message: fmt.Sprintf("offer %q: no such offer", c.Offer)}
	}
	if !o.landing.ok {
		return store.Session{}, "", &InputError{Field: "offer", Code: NoLandingPage,
			Message: fmt.Sprintf("offer %q has no landing page: its web page %q is not an absolute URL", c.Offer, o.offer.WebPage)}
	}
	if ok, err := t.publisher(ctx, c.Publisher); err != nil {
		return store.Session{}, "", err
	} else if !ok {
		return store.Session{}, "", &InputError{Field: "pub", Code: UnknownPublisher, Message: fmt.Sprintf("publisher %q: no such publisher", c.Publisher)}
	}
	at := t.now()
	id := t.ids.next(at)
	s := store.Session{ID: id, Offer: c.Offer, Publisher: c.Publisher, Sub: c.Sub, Region: c.Region, Device: c.Device,
		Browser: c.Browser, IPHash: t.HashIP(c.IP), At: at}
	if _, err := t.clicks.do(ctx, s); err != nil {
		return store.Session{}, "", err
	}
	return s, o.landing.with(id), nil
}

// Convert attributes and records a conversion; the result is committed
// when Convert returns. A conversion without a time happened now; one
// names its offer's window.
func (t *Tracker) Convert(ctx context.Context, c Conversion) (store.ConversionResult, error) {
	now := t.now()
	if c.At.IsZero() {
		c.At = now
	} else if c.At.After(now.Add(MaxSkew)) {
		return store.ConversionResult{}, &InputError{Field: "time", Code: InvalidParameter,
			Message: fmt.Sprintf("time: %s is in the future (now %s)", c.At.Format(time.RFC3339Nano), now.Format(time.RFC3339))}
	}
	if c.Currency != "" && t.cfg.Currencies != nil {
		if served := t.cfg.Currencies(); len(served) > 0 && !slices.Contains(served, c.Currency) {
			return store.ConversionResult{}, &InputError{Field: "currency", Code: InvalidAmount,
				Message: fmt.Sprintf("currency: %s is not a currency of the rule set: expected %s", c.Currency, strings.Join(served, ", "))}
		}
	}
	req := store.ConversionRequest{Session: c.Session, Player: c.Player, Offer: c.Offer, Kind: c.Kind, Amount: c.Amount,
		Currency: c.Currency, AdvertiserRef: c.Ref, At: c.At.UTC()}
	if c.Session != "" {
		// The window is the offer's, the session's when the report names
		// none: the store picks it once it has read the session.
		req.WindowOf = t.cfg.Window
	} else if _, ok, err := t.offer(ctx, c.Offer); err != nil {
		return store.ConversionResult{}, err
	} else if !ok {
		return store.ConversionResult{}, &InputError{Field: "offer", Code: UnknownOffer, Message: fmt.Sprintf("offer %q: no such offer", c.Offer)}
	} else {
		req.Window = t.cfg.Window(c.Offer)
	}
	return t.convs.do(ctx, req)
}

// MaxSkew is how far in the future of the server's clock a conversion's
// time may be: the advertiser's clock may be ahead.
const MaxSkew = 5 * time.Minute
