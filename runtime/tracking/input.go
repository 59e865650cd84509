package tracking

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/vm/currency"
	"github.com/shopspring/decimal"
)

// Bounds of what links and reports carry.
const (
	// SubIDBytes bounds a sub id, a region, a device and a browser.
	SubIDBytes = store.SubBytes
	// RefBytes bounds a publisher, a session id, a player, a kind and an
	// advertiser's reference.
	RefBytes = store.RefBytes
	// OfferRefBytes bounds an offer's reference: any an offer may have.
	OfferRefBytes = store.OfferRefBytes
	// SubIDChars are the characters of a sub id (and of a region, device
	// or browser) besides ASCII letters and digits.
	SubIDChars = "-_.~:@+=/,!*()|$"
)

// The codes of input errors; stable, API.
const (
	InvalidParameter  = "invalid-parameter"  // a link's or a report's field
	UnknownOffer      = "unknown-offer"      // no offer has the reference
	UnknownPublisher  = "unknown-publisher"  // no publisher has the reference
	NoLandingPage     = "no-landing-page"    // the offer has no absolute web page URL
	InvalidAmount     = "invalid-amount"     // an amount or a currency
	InvalidConversion = "invalid-conversion" // a conversion that names no session or player, ...
)

// InputError is a link or a report that is refused: nothing is stored.
type InputError struct {
	Field   string // the query parameter or JSON field at fault
	Code    string
	Message string
}

func (e *InputError) Error() string { return e.Message }

func bad(field, code, format string, args ...any) *InputError {
	return &InputError{Field: field, Code: code, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// Click is what a tracking link carries.
type Click struct {
	Offer, Publisher        string
	Sub                     [5]string
	Region, Device, Browser string
	IP                      string // the client's address, hashed before it is kept
}

// subChars are the bytes of a sub id or a reference: the ASCII letters
// and digits and SubIDChars. A table, not a regular expression: a click
// checks up to ten values.
var subChars = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(SubIDChars, byte(c)) >= 0
	}
	return t
}()

// subOK reports whether every byte of v is one of subChars.
func subOK(v string) bool {
	for i := range len(v) {
		if !subChars[v[i]] {
			return false
		}
	}
	return true
}

var (
	kindRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	decRE  = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
)

// CheckRef checks a reference (a publisher, a session, a
// player, an advertiser's reference): 1 to RefBytes ASCII letters, digits
// or SubIDChars.
func CheckRef(field, v string) error { return checkRef(field, v, true) }

func checkRef(field, v string, required bool) error {
	if v == "" {
		if required {
			return bad(field, InvalidParameter, "missing")
		}
		return nil
	}
	if len(v) > RefBytes || !subOK(v) {
		return bad(field, InvalidParameter, "%q: expected 1 to %d ASCII letters, digits or %s", clip(v), RefBytes, SubIDChars)
	}
	return nil
}

// CheckOffer checks an offer's reference as a link or a conversion
// carries it: any reference an offer may have (an offer declaration's,
// promoc offers add's), 1 to OfferRefBytes bytes of UTF-8 without a
// control character or a character lang.Deceptive describes, which a
// link carries percent-encoded in its path (/t/SPA%202026 for the offer
// "SPA 2026").
func CheckOffer(field, v string) error { return checkOffer(field, v, true) }

func checkOffer(field, v string, required bool) error {
	if v == "" {
		if required {
			return bad(field, InvalidParameter, "missing")
		}
		return nil
	}
	if len(v) > OfferRefBytes || !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
		return bad(field, InvalidParameter, "%q: expected an offer's reference: 1 to %d bytes of UTF-8 without a control character", clip(v), OfferRefBytes)
	}
	if r, what := DeceptiveIn(v); what != "" {
		return bad(field, InvalidParameter, "%q: %U, %s, in an offer's reference: it makes the text shown differ from the text read", clip(v), r, what)
	}
	return nil
}

// DeceptiveIn finds the first character of an offer's reference that a
// string of the language may not hold either (lang.Deceptive: a
// bidirectional control, an invisible character), so that a reference
// shows the text it is: the character and what it is, or "".
func DeceptiveIn(v string) (rune, string) {
	for _, r := range v {
		if what := lang.Deceptive(r); what != "" {
			return r, what
		}
	}
	return 0, ""
}

func checkSub(field, v string) error {
	if len(v) > SubIDBytes || !subOK(v) {
		return bad(field, InvalidParameter, "%q: expected at most %d ASCII letters, digits or %s", clip(v), SubIDBytes, SubIDChars)
	}
	return nil
}

// clip shortens a refused value for a message.
func clip(v string) string {
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	return v
}

// ParseClick reads a tracking link's query, as the URL carries it (its
// RawQuery): pub (required), sub1 to sub5, region, device and browser;
// keep=device,browser derives those from the User-Agent when the link does
// not carry them. Anything else, a parameter given twice, or a malformed
// value is an [InputError]. The query is split and unescaped as
// [url.ParseQuery] does (a pair with a semicolon or a bad escape is
// dropped), without the map it makes: a click reads up to ten values, most
// of them with nothing to unescape.
func ParseClick(offer, rawQuery, userAgent, ip string) (Click, error) {
	c := Click{Offer: offer, IP: ip}
	if err := checkOffer("offer", offer, true); err != nil {
		return c, err
	}
	// The values by their index in clickNames: no map, no pointers, so
	// that nothing of a click's parse escapes to the heap.
	var vals [len(clickNames)]string
	var given [len(clickNames)]int
	for q := rawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		name, value, ok := queryPair(pair)
		if !ok {
			continue
		}
		i := slices.Index(clickNames[:], name)
		if i < 0 {
			return c, bad(name, InvalidParameter, "unknown parameter: expected pub, sub1 to sub5, region, device, browser or keep")
		}
		if given[i]++; given[i] > 1 {
			return c, bad(name, InvalidParameter, "given more than once: expected once")
		}
		vals[i] = value
	}
	c.Publisher, c.Sub, c.Region, c.Device, c.Browser = vals[1], [5]string(vals[2:7]), vals[7], vals[8], vals[9]
	if err := checkRef("pub", c.Publisher, true); err != nil {
		return c, err
	}
	for i := 2; i < len(vals); i++ {
		if err := checkSub(clickNames[i], vals[i]); err != nil {
			return c, err
		}
	}
	if given[0] == 0 {
		return c, nil
	}
	for k := range strings.SplitSeq(vals[0], ",") {
		switch k {
		case "device":
			if c.Device == "" {
				c.Device = DeviceOf(userAgent)
			}
		case "browser":
			if c.Browser == "" {
				c.Browser = BrowserOf(userAgent)
			}
		default:
			return c, bad("keep", InvalidParameter, "%q: expected device or browser, comma separated (a region is passed as region=)", clip(k))
		}
	}
	return c, nil
}

// clickNames are the parameters a tracking link may carry: keep and pub,
// then the values checked as sub ids, in the order they are checked.
var clickNames = [...]string{"keep", "pub", "sub1", "sub2", "sub3", "sub4", "sub5", "region", "device", "browser"}

// queryPair is one name=value of a query, unescaped as [url.ParseQuery]
// unescapes it; not ok for a pair it drops (empty, with a semicolon, or
// with a bad escape). A part with nothing to unescape is returned as it
// is, without a copy.
func queryPair(pair string) (name, value string, ok bool) {
	if pair == "" || strings.IndexByte(pair, ';') >= 0 {
		return "", "", false
	}
	name, value, _ = strings.Cut(pair, "=")
	var err error
	if strings.ContainsAny(name, "%+") {
		if name, err = url.QueryUnescape(name); err != nil {
			return "", "", false
		}
	}
	if strings.ContainsAny(value, "%+") {
		if value, err = url.QueryUnescape(value); err != nil {
			return "", "", false
		}
	}
	return name, value, true
}

// Conversion is a conversion as reported, checked.
type Conversion struct {
	Session, Player, Offer string
	Kind                   string
	Amount                 decimal.Decimal
	Currency               string
	Ref                    string    // the advertiser's reference
	At                     time.Time // zero: now
}

// ConversionJSON is the body of POST /v1/conversions. The amount is a
// decimal string; a JSON number is refused, as amounts are never floats.
type ConversionJSON struct {
	Session  string          `json:"session"`
	Player   string          `json:"player"`
	Offer    string          `json:"offer"`
	Kind     string          `json:"kind"`
	Amount   json.RawMessage `json:"amount"`
	Currency string          `json:"currency"`
	Ref      string          `json:"ref"`
	Time     string          `json:"time"`
}

// ParseConversionJSON reads and checks the body of a conversion report:
// one JSON object, strictly.
func ParseConversionJSON(body []byte) (Conversion, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var j ConversionJSON
	if err := dec.Decode(&j); err != nil {
		return Conversion{}, &InputError{Field: "", Code: "invalid-json", Message: strings.TrimPrefix(err.Error(), "json: ")}
	}
	if dec.More() {
		return Conversion{}, &InputError{Code: "invalid-json", Message: "data after the JSON object"}
	}
	amount := ""
	if len(j.Amount) > 0 && string(j.Amount) != "null" {
		if j.Amount[0] != '"' {
			return Conversion{}, bad("amount", InvalidAmount, "%s is a JSON %s: expected a decimal string such as \"50.00\" (an amount is never a float)",
				clip(string(j.Amount)), jsonKind(j.Amount))
		}
		if err := json.Unmarshal(j.Amount, &amount); err != nil {
			return Conversion{}, bad("amount", InvalidAmount, "%v", err)
		}
	}
	return checkConversion(j.Session, j.Player, j.Offer, j.Kind, amount, j.Currency, j.Ref, j.Time)
}

func jsonKind(raw json.RawMessage) string {
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	}
	return "number"
}

// ParseConversionQuery reads and checks the query of a postback:
// session, player, offer, kind, amount, currency, ref and time, each at
// most once; the names in skip (the key) are the caller's.
func ParseConversionQuery(q url.Values, skip ...string) (Conversion, error) {
	fields := map[string]string{}
	for name, vs := range q {
		if len(vs) != 1 {
			return Conversion{}, bad(name, InvalidParameter, "given %d times: expected once", len(vs))
		}
		switch name {
		case "session", "player", "offer", "kind", "amount", "currency", "ref", "time":
			fields[name] = vs[0]
		default:
			known := false
			for _, s := range skip {
				known = known || s == name
			}
			if !known {
				return Conversion{}, bad(name, InvalidParameter, "unknown parameter: expected session, player, offer, kind, amount, currency, ref or time")
			}
		}
	}
	return checkConversion(fields["session"], fields["player"], fields["offer"], fields["kind"], fields["amount"], fields["currency"], fields["ref"], fields["time"])
}

func checkConversion(session, player, offer, kind, amount, cur, ref, at string) (Conversion, error) {
	c := Conversion{Session: session, Player: player, Offer: offer, Kind: kind, Currency: cur, Ref: ref}
	for _, f := range []struct{ name, v string }{{"session", session}, {"player", player}, {"ref", ref}} {
		if err := checkRef(f.name, f.v, false); err != nil {
			return c, err
		}
	}
	if err := checkOffer("offer", offer, false); err != nil {
		return c, err
	}
	if session == "" && player == "" {
		return c, bad("session", InvalidConversion, "missing: a conversion names its session, or the player (with the offer) once a session is tied to one")
	}
	if session == "" && offer == "" {
		return c, bad("offer", InvalidConversion, "missing: a conversion naming only a player names the offer")
	}
	if kind == "" {
		return c, bad("kind", InvalidParameter, "missing: the conversion's kind, such as registration or first_deposit")
	}
	if len(kind) > RefBytes || !kindRE.MatchString(kind) {
		return c, bad("kind", InvalidParameter, "%q: expected a lowercase name of letters, digits and _ such as first_deposit", clip(kind))
	}
	d, err := checkAmount(amount, cur)
	if err != nil {
		return c, err
	}
	c.Amount = d
	if at != "" {
		t, err := parseTime("time", at)
		if err != nil {
			return c, err
		}
		c.At = t
	}
	return c, nil
}

// parseTime reads the time of field, RFC 3339 as runtime.ParseTime reads
// it (a T and a Z in either case), and returns it in UTC.
func parseTime(field, s string) (time.Time, *InputError) {
	t, err := runtime.ParseTime(s)
	switch {
	case errors.Is(err, runtime.ErrTimeRange):
		return t, bad(field, InvalidParameter, "%s: out of range: expected a time in [%d, %d)", clip(s), limits.MinTime.Year(), limits.MaxTime.Year())
	case err != nil:
		return t, bad(field, InvalidParameter, "%q: expected an RFC 3339 time such as 2026-12-06T10:00:00Z", clip(s))
	}
	return t.UTC(), nil
}

// checkAmount checks an amount, a decimal string (or "" for none), and its
// currency, required with an amount and only then.
func checkAmount(amount, cur string) (decimal.Decimal, error) {
	switch {
	case amount == "" && cur != "":
		return decimal.Decimal{}, bad("amount", InvalidAmount, "missing: a currency without an amount")
	case amount != "" && cur == "":
		return decimal.Decimal{}, bad("currency", InvalidAmount, "missing: an amount without a currency")
	case amount == "":
		return decimal.Decimal{}, nil
	}
	if !currency.Known(cur) {
		msg := "%q: expected an ISO 4217 code such as EUR"
		if s := currency.Suggest(cur); s != "" {
			return decimal.Decimal{}, bad("currency", InvalidAmount, msg+" (did you mean %s?)", clip(cur), s)
		}
		return decimal.Decimal{}, bad("currency", InvalidAmount, msg, clip(cur))
	}
	if !decRE.MatchString(amount) {
		return decimal.Decimal{}, bad("amount", InvalidAmount, "%q: expected a decimal such as 50.00, not negative, without an exponent", clip(amount))
	}
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return decimal.Decimal{}, bad("amount", InvalidAmount, "%q: %v", clip(amount), err)
	}
	if _, err := store.Units(d); err != nil {
		return decimal.Decimal{}, bad("amount", InvalidAmount, "%v", err)
	}
	return d, nil
}
