package bonus

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/vm/currency"
	"github.com/shopspring/decimal"
)

// RefsJSON are a bonus's references as JSON.
type RefsJSON struct {
	Activity             string `json:"activity_id"`
	ActionGroup          string `json:"action_group_id"`
	Action               string `json:"action_id"`
	TriggerHash          string `json:"trigger_hash"`
	ID                   string `json:"id"`
	CommunicationProfile string `json:"communication_profile_id"`
}

func refsJSON(r store.BonusRefs) RefsJSON {
	return RefsJSON{Activity: r.Activity, ActionGroup: r.ActionGroup, Action: r.Action, TriggerHash: r.TriggerHash, ID: r.ID,
		CommunicationProfile: r.CommunicationProfile}
}

// EventJSON is a status event as the casino's bonus system sends it: one
// line of promoc bonuses import, one element of the API's batch.
type EventJSON struct {
	ID     string `json:"id"`
	Bonus  string `json:"bonus,omitempty"`
	Player string `json:"player,omitempty"`
	Status string `json:"status"`
	// Amount turned real (Completed): a JSON string or number, exact.
	Amount     json.RawMessage `json:"amount,omitempty"`
	Currency   string          `json:"currency,omitempty"`
	At         string          `json:"at,omitempty"`
	References *RefsJSON       `json:"references,omitempty"`
	// FastTrack are Fast Track's references as the bonus echoes them:
	// the X-Fasttrack-* headers, by name.
	FastTrack map[string]string `json:"fasttrack_references,omitempty"`
}

// FastTrackHeaders are the headers of a Fast Track request that a bonus
// keeps, and the reference each fills.
var FastTrackHeaders = []string{
	"X-Fasttrack-Activityid", "X-Fasttrack-Actionid", "X-Fasttrack-Actiongroupid",
	"X-Fasttrack-Actioncommunicationprofileid", "X-Fasttrack-Triggerhash", "X-Fasttrack-Id",
}

// FastTrackRefs are the references that Fast Track's headers name: h maps
// each header's canonical name to its value.
func FastTrackRefs(h map[string]string) store.BonusRefs {
	return store.BonusRefs{
		Activity:             h["X-Fasttrack-Activityid"],
		Action:               h["X-Fasttrack-Actionid"],
		ActionGroup:          h["X-Fasttrack-Actiongroupid"],
		CommunicationProfile: h["X-Fasttrack-Actioncommunicationprofileid"],
		TriggerHash:          h["X-Fasttrack-Triggerhash"],
		ID:                   h["X-Fasttrack-Id"],
	}
}

// FieldError is a status event that is not valid, naming the field.
type FieldError struct {
	Field string // "line 3: amount", "[2].status"
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// Amount reads an exact amount written as a JSON string or number: no
// exponent, at most 8 decimals, not negative.
func Amount(raw json.RawMessage) (decimal.Decimal, error) {
	s := string(bytes.TrimSpace(raw))
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return decimal.Decimal{}, err
		}
	}
	if s == "" || strings.ContainsAny(s, "eE+ ") || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") {
		return decimal.Decimal{}, fmt.Errorf("%s is not a decimal amount such as \"10.50\"", raw)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%s is not a decimal amount such as \"10.50\"", raw)
	}
	if d.Sign() < 0 {
		return decimal.Decimal{}, fmt.Errorf("%s is negative", s)
	}
	if -d.Exponent() > store.Scale {
		return decimal.Decimal{}, fmt.Errorf("%s has more than %d decimals", s, store.Scale)
	}
	if _, err := store.Units(d); err != nil {
		return decimal.Decimal{}, fmt.Errorf("%s is above 10000000000", s)
	}
	return d, nil
}

// MaxSkew is how far ahead of the clock that receives it a status event's
// time may be (the clocks of two systems differ a little): as much as a
// conversion's (tracking.MaxSkew). One further ahead is refused.
const MaxSkew = 5 * time.Minute

// Event is the store's status event of e, received at received; body is
// the event as received. A bonus id given in the path of a request is
// bonus (""; when none): the event's own must then be it or absent.
func Event(e EventJSON, bonus string, body []byte, received time.Time) (store.BonusEvent, error) {
	bad := func(field, format string, args ...any) (store.BonusEvent, error) {
		return store.BonusEvent{}, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if e.ID == "" {
		return bad("id", "required: the event's unique id")
	}
	st := store.BonusStatus(e.Status)
	if !st.Valid() {
		return bad("status", "%q is none of Created, Completed, Forfeited, Lost, Expired", e.Status)
	}
	if bonus != "" {
		if e.Bonus != "" && e.Bonus != bonus {
			return bad("bonus", "%q, but the request is for bonus %q", e.Bonus, bonus)
		}
		e.Bonus = bonus
	}
	// At stays zero when the event does not say when its status changed:
	// the store takes the time received then, and the event's content (a
	// repeat of it is a duplicate) does not depend on when it came.
	ev := store.BonusEvent{ID: e.ID, Bonus: e.Bonus, Player: e.Player, Status: st, Currency: e.Currency, Received: received,
		Body: body}
	if len(e.Amount) > 0 && string(e.Amount) != "null" {
		d, err := Amount(e.Amount)
		if err != nil {
			return bad("amount", "%v", err)
		}
		ev.Amount, ev.HasAmount = d, true
	}
	if e.Currency != "" && !currency.Known(e.Currency) {
		return bad("currency", "%q is not the ISO 4217 code of a currency with minor units, as EUR or JPY", e.Currency)
	}
	if e.At != "" {
		t, err := runtime.ParseTime(e.At)
		if err != nil {
			return bad("at", "%v", err)
		}
		ev.At = t.UTC()
		if !received.IsZero() && ev.At.After(received.Add(MaxSkew)) {
			return bad("at", "%s is in the future (received %s): a status is reported after it changed, at most %v ahead of this clock",
				ev.At.Format(time.RFC3339Nano), received.UTC().Format(time.RFC3339Nano), MaxSkew)
		}
	}
	if e.References != nil && e.FastTrack != nil {
		return bad("fasttrack_references", "give references or fasttrack_references, not both")
	}
	if r := e.References; r != nil {
		ev.Refs = store.BonusRefs{Activity: r.Activity, ActionGroup: r.ActionGroup, Action: r.Action, TriggerHash: r.TriggerHash,
			ID: r.ID, CommunicationProfile: r.CommunicationProfile}
	}
	if e.FastTrack != nil {
		h := make(map[string]string, len(e.FastTrack))
		for k, v := range e.FastTrack {
			c := http.CanonicalHeaderKey(k)
			if !known(c) {
				return bad("fasttrack_references."+k, "not one of %s", strings.Join(FastTrackHeaders, ", "))
			}
			h[c] = v
		}
		ev.Refs = FastTrackRefs(h)
	}
	return ev, nil
}

func known(header string) bool {
	for _, h := range FastTrackHeaders {
		if h == header {
			return true
		}
	}
	return false
}

// DecodeEvent reads one status event from JSON, strictly: an unknown
// field, a wrong type or trailing data is an error naming the field.
func DecodeEvent(b []byte, bonus string, received time.Time) (store.BonusEvent, error) {
	if i := runtime.BadUTF8Offset(b); i >= 0 {
		hint := ""
		if bytes.IndexByte(b, 0) >= 0 {
			hint = " (a file in UTF-16?)"
		}
		return store.BonusEvent{}, &FieldError{Msg: fmt.Sprintf("bytes that are not UTF-8 at column %d: a status event is UTF-8 text%s", i+1, hint)}
	}
	if i := runtime.NULOffset(b); i >= 0 {
		return store.BonusEvent{}, &FieldError{Msg: fmt.Sprintf("a NUL character (\\u0000) in a string at column %d: no text of a status event may hold one", i+1)}
	}
	var e EventJSON
	if err := strict(b, &e); err != nil {
		return store.BonusEvent{}, err
	}
	return Event(e, bonus, b, received)
}

// strict decodes one JSON value into v.
func strict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			return &FieldError{Field: te.Field, Msg: fmt.Sprintf("expected %s, found a JSON %s", te.Type, te.Value)}
		case errors.As(err, &se):
			return &FieldError{Msg: fmt.Sprintf("not JSON: %v (at byte %d)", se, se.Offset)}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &FieldError{Field: f, Msg: "unknown field"}
		case errors.Is(err, io.EOF):
			return &FieldError{Msg: "empty"}
		case errors.Is(err, io.ErrUnexpectedEOF):
			return &FieldError{Msg: "not JSON: it ends before the object does"}
		}
		return &FieldError{Msg: err.Error()}
	}
	if d.More() {
		return &FieldError{Msg: "data after the JSON object"}
	}
	var rest json.RawMessage
	if err := d.Decode(&rest); !errors.Is(err, io.EOF) {
		return &FieldError{Msg: "data after the JSON object"}
	}
	return nil
}

// ReadEvents reads status events as JSON Lines, one object a line (blank
// lines skipped), all received at received. The first bad line is an
// error naming it and its field, and then no event is returned.
func ReadEvents(r io.Reader, received time.Time) ([]store.BonusEvent, error) {
	var out []store.BonusEvent
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		e, err := DecodeEvent(bytes.Clone(line), "", received)
		if err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				f := fmt.Sprintf("line %d", n)
				if fe.Field != "" {
					f += ": " + fe.Field
				}
				return nil, &FieldError{Field: f, Msg: fe.Msg}
			}
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
