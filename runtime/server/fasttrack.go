package server

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime/bonus"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/vm/currency"
)

// fastTrackRequired are the headers a credit request must carry, not
// empty: what makes the bonus unique (activity, action, trigger hash) and
// the unique id Fast Track reports by.
var fastTrackRequired = []string{"X-Fasttrack-Activityid", "X-Fasttrack-Actionid", "X-Fasttrack-Triggerhash", "X-Fasttrack-Id"}

// fastTrackPrefix starts the headers a bonus keeps: every X-Fasttrack-*
// header of the request, so that one Fast Track adds is echoed too.
const fastTrackPrefix = "X-Fasttrack-"

// fastTrackHeaders reads the X-Fasttrack-* headers of a request, values
// exactly as received, by canonical name; a missing required one, or one
// given twice, is a 400.
func fastTrackHeaders(h http.Header) (map[string]string, error) {
	out := map[string]string{}
	for name, vals := range h {
		if !strings.HasPrefix(name, fastTrackPrefix) {
			continue
		}
		if len(vals) > 1 {
			return nil, errorf(http.StatusBadRequest, CodeMissingReferences, "header %s given %d times: expected one value", name, len(vals)).
				with("header", name)
		}
		if !utf8.ValidString(vals[0]) {
			return nil, errorf(http.StatusBadRequest, CodeInvalidParameter, "header %s: not UTF-8 text: a reference is kept and echoed as text", name).
				with("header", name)
		}
		out[name] = vals[0]
	}
	var missing []string
	for _, name := range fastTrackRequired {
		if out[name] == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, errorf(http.StatusBadRequest, CodeMissingReferences, "missing Fast Track references: %s; nothing was credited",
			strings.Join(missing, ", ")).with("headers", missing)
	}
	return out, nil
}

// fastTrackCredit is the body of Fast Track's request to credit a bonus.
// Fast Track may add fields (validity, ...): those not read here are
// ignored.
type fastTrackCredit struct {
	UserID    *string         `json:"user_id"`
	BonusCode string          `json:"bonus_code"`
	Amount    json.RawMessage `json:"amount"`
	Currency  string          `json:"currency"`
}

// postFastTrackCredit credits a bonus at Fast Track's request: the bonus
// is granted once per (activity, action, player, trigger hash), with the
// request's X-Fasttrack-* headers kept exactly as received; a repeat is
// acknowledged with the first bonus, whatever its Id.
func (s *Server) postFastTrackCredit(ctx context.Context, q *request) (int, any, error) {
	headers, err := fastTrackHeaders(q.Header)
	if err != nil {
		return 0, nil, err
	}
	var body fastTrackCredit
	if err := json.Unmarshal(q.body, &body); err != nil {
		return 0, nil, jsonError(err)
	}
	if body.UserID == nil || *body.UserID == "" {
		return 0, nil, errorf(http.StatusBadRequest, CodeMissingReferences, "user_id: required: the player to credit; nothing was credited").
			with("field", "user_id")
	}
	b := store.Bonus{Source: store.SourceFastTrack, Refs: bonus.FastTrackRefs(headers), Player: *body.UserID, Code: body.BonusCode,
		Granted: s.now()}
	b.Campaign = b.Refs.Activity
	if len(body.Amount) > 0 && string(body.Amount) != "null" {
		d, err := bonus.Amount(body.Amount)
		if err != nil {
			return 0, nil, errorf(http.StatusUnprocessableEntity, CodeInvalidAmount, "amount: %v", err).with("field", "amount")
		}
		if !currency.Known(body.Currency) {
			return 0, nil, errorf(http.StatusUnprocessableEntity, CodeInvalidAmount, "currency: %q is not the ISO 4217 code of a currency with minor units, as EUR or JPY (an amount needs one)",
				body.Currency).with("field", "currency")
		}
		b.Amount, b.Currency = d, body.Currency
	} else if body.Currency != "" {
		return 0, nil, errorf(http.StatusUnprocessableEntity, CodeInvalidAmount, "currency without an amount").with("field", "currency")
	}
	if b.Amount.IsZero() {
		b.Amount = decimal.Zero
	}
	if b.External, err = externalJSON(headers); err != nil {
		return 0, nil, err
	}
	bs, err := s.bonuses(ctx)
	if err != nil {
		return 0, nil, err
	}
	got, err := bs.Grant(ctx, []store.Bonus{b}, 0)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct {
		Credited bool            `json:"credited"`
		Bonus    bonus.BonusJSON `json:"bonus"`
	}{!got[0].Repeat, bonus.JSON(got[0])}, nil
}

// externalJSON writes the headers as one JSON object, by name in order.
func externalJSON(h map[string]string) ([]byte, error) {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(n)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(h[n])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}
