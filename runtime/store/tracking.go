package store

import (
	"context"
	"errors"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/lang/limits"
)

// Tracking is the affiliate tracking of offers: publishers, the sessions
// that clicks on tracking links open, and the conversions attributed to
// them. Both drivers implement it beside [Store]; its rules are in
// spec/semantics.md, "Tracking and attribution". Every method is one
// transaction.
type Tracking interface {
	// PutPublisher stores a publisher, replacing what was stored under its
	// Ref (its Created is kept).
	PutPublisher(ctx context.Context, p Publisher) error
	// Publisher is one stored publisher; ok is false when none is stored.
	Publisher(ctx context.Context, ref string) (p Publisher, ok bool, err error)
	// Publishers lists the publishers by Ref.
	Publishers(ctx context.Context) ([]Publisher, error)

	// Clicks stores sessions, in one transaction, all or none: a session
	// of an unknown offer ([ErrNoOffer]) or publisher ([ErrNoPublisher]), or
	// an ID stored before, stores none of them.
	Clicks(ctx context.Context, sessions []Session) error
	// Session is one stored session; ok is false when none is stored.
	Session(ctx context.Context, id string) (s Session, ok bool, err error)

	// Convert attributes and records conversions, in order, in one
	// transaction: each gets one [ConversionResult] (recorded, a repeat of
	// one recorded before, or rejected with its reason). price, when not
	// nil, sets the payout and revenue of each conversion about to be
	// recorded; it may read the publisher's recorded conversions, those
	// earlier in the batch and the conversion itself included, through
	// the [ConversionReader] it is given. An error of price, or of the
	// database, records nothing.
	Convert(ctx context.Context, cs []ConversionRequest, price Pricer) ([]ConversionResult, error)
	// Conversions lists the recorded conversions after sequence number
	// after, at most limit, in order.
	Conversions(ctx context.Context, after int64, limit int) ([]Conversion, error)

	// ErasePlayer removes a player from every session and conversion (the
	// counts stay, anonymous) and returns how many sessions it unlinked.
	ErasePlayer(ctx context.Context, player string) (int64, error)

	// TrackingReport sums the clicks and conversions of [from, to) per
	// offer, publisher and UTC day, ordered by day, offer, publisher.
	TrackingReport(ctx context.Context, from, to time.Time) ([]ReportRow, error)
}

// Bounds of tracking's strings, in bytes.
const (
	// RefBytes bounds a publisher's reference, a conversion kind, a
	// player id and an advertiser's reference.
	RefBytes = 100
	// OfferRefBytes bounds an offer's reference in sessions and
	// conversions: any an offer may have (limits.StringBytes, as an
	// offer declaration's).
	OfferRefBytes = limits.StringBytes
	// SubBytes bounds a sub id and the region, device and browser of a
	// session.
	SubBytes = 255
)

// Publisher promotes offers with tracking links.
type Publisher struct {
	Ref     string
	Name    string
	Created time.Time // UTC
}

// Session is what a click on a tracking link opened.
type Session struct {
	ID        string // random, unique
	Offer     string
	Publisher string
	Sub       [5]string // sub1 ... sub5, "" when not given
	// Region, Device and Browser are kept when the link asks for them.
	Region, Device, Browser string
	// IPHash is a keyed hash (HMAC-SHA-256) of the client's address; nil
	// when the server has no key. The address itself is never stored.
	IPHash []byte
	At     time.Time // UTC
	// Player is the player the session is tied to, once a conversion names
	// both; "" before, and after the player's erasure.
	Player string
}

// ConversionRequest is a conversion as reported: it names a session, or a
// player whose sessions were tied to it, or both (which ties the session
// to the player).
type ConversionRequest struct {
	Session string
	Player  string
	// Offer is required when only Player is named; with a session it must
	// be the session's offer or "".
	Offer    string
	Kind     string
	Amount   decimal.Decimal // zero with Currency "" for a conversion without amount
	Currency string
	// AdvertiserRef is the advertiser's own reference of the conversion:
	// one conversion per session, kind and AdvertiserRef ("" included).
	AdvertiserRef string
	At            time.Time // when it happened, UTC
	// Window is the attribution window of the offer: the conversion goes
	// to the last click c with c.At <= At < c.At + Window.
	Window time.Duration
	// WindowOf, when Window is 0, gives the window of the offer once the
	// store knows it (the named session's offer): the caller need not read
	// the session first.
	WindowOf func(offer string) time.Duration
}

// Conversion is a recorded conversion.
type Conversion struct {
	Seq       int64 // set by the store: > 0, increasing
	Session   string
	Offer     string
	Publisher string
	Player    string // "" when none was named, and after erasure
	Kind      string
	Amount    decimal.Decimal
	Currency  string
	// AdvertiserRef is as reported.
	AdvertiserRef string
	At            time.Time // when it happened
	Click         time.Time // the attributed click
	// Payout is what the publisher earns, Revenue what the advertiser
	// pays; zero and "" when no rule prices the conversion.
	Payout, Revenue                 decimal.Decimal
	PayoutCurrency, RevenueCurrency string
	// Sub are the sub ids of the attributed session.
	Sub [5]string
}

// Rejection says why a conversion was not recorded.
type Rejection string

// The reasons of rejected conversions; stable, API.
const (
	// RejectUnknownSession: no session has the id.
	RejectUnknownSession Rejection = "unknown-session"
	// RejectExpired: the session's click is older than the window.
	RejectExpired Rejection = "session-expired"
	// RejectBeforeClick: the conversion happened before the click.
	RejectBeforeClick Rejection = "before-click"
	// RejectNoClick: the player has no click on the offer within the window.
	RejectNoClick Rejection = "no-click"
	// RejectOtherPlayer: the session is tied to another player.
	RejectOtherPlayer Rejection = "session-of-other-player"
	// RejectOtherOffer: the session is of another offer than named.
	RejectOtherOffer Rejection = "session-of-other-offer"
)

// ConversionResult is what Convert did with one conversion.
type ConversionResult struct {
	// Conversion is the recorded conversion: this one, or the first of
	// which this is a repeat. Zero when rejected.
	Conversion Conversion
	// Repeat: the conversion was recorded before; nothing changed.
	Repeat bool
	// Rejected is why the conversion was not recorded; "" when it was.
	Rejected Rejection
}

// ConversionReader reads the recorded conversions within Convert's
// transaction.
type ConversionReader interface {
	// PublisherConversions lists the publisher's conversions that happened
	// in [from, to), by time then sequence number.
	PublisherConversions(publisher string, from, to time.Time) ([]Conversion, error)
	// PublisherSince lists the publisher's conversions with a sequence
	// number above after that happened at or after from, by sequence
	// number: what a price that keeps the publisher's conversions reads
	// since it last read. Within one publisher, sequence numbers are in
	// commit order (Convert holds the publisher's lock until it commits).
	PublisherSince(publisher string, after int64, from time.Time) ([]Conversion, error)
	// Attempt names the attempt of the transaction: a transaction the
	// database ran again (after a deadlock) is a new attempt, as is every
	// other transaction. A price that keeps what it read in one attempt
	// checks with Recorded, in the next, that it was committed.
	Attempt() uint64
	// Recorded reports whether the conversion of sequence number seq is
	// recorded (committed, or written by this attempt).
	Recorded(seq int64) (bool, error)
}

// Pricer sets the payout and revenue of a conversion. The conversion is
// recorded before it is priced, in the same transaction: it has its Seq,
// and the reader sees it. An error of the pricer records nothing.
type Pricer func(c *Conversion, r ConversionReader) error

// ReportRow is what happened to one offer of one publisher on one UTC day.
type ReportRow struct {
	Day       time.Time // 00:00 UTC
	Offer     string
	Publisher string
	Clicks    int64
	// Unique counts the distinct IP hashes of the clicks that kept one.
	Unique int64
	// Unhashed counts the clicks kept without an IP hash (a tracker
	// without a secret keeps no address): whether they are unique is not
	// known.
	Unhashed int64
	// Conversions counts the conversions by kind.
	Conversions map[string]int64
	// Money sums payout and revenue per currency, in order of currency.
	Money []ReportMoney
}

// ReportMoney is payout, revenue and margin in one currency, and the
// conversions priced in it.
type ReportMoney struct {
	Currency                string
	Payout, Revenue, Margin decimal.Decimal
	// Conversions counts by kind the row's conversions whose payout (or,
	// without one, revenue) is in Currency: each conversion of the row
	// with money is counted in one currency, those without money in
	// none (they are in the row's Conversions only).
	Conversions map[string]int64
}

// Errors of tracking, found with errors.Is.
var (
	// ErrNoPublisher: no publisher has the reference.
	ErrNoPublisher = errors.New("no such publisher")
	// ErrSession: a session that cannot be stored (an id stored before, a
	// string over its bound).
	ErrSession = errors.New("invalid session")
	// ErrConversion: a conversion that cannot be considered (no session
	// and no player, no offer for a player, no kind, a string over its
	// bound, no window).
	ErrConversion = errors.New("invalid conversion")
)
