package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
)

// The reasons a rule's own checks give when they stop a reward (spec/spec.md,
// section 11). budget-exhausted and campaign-suspended come from the store.
const (
	ReasonNotInSegment       = "not-in-segment"
	ReasonNotQualified       = "not-qualified"
	ReasonQualificationLimit = "qualification-limit"
	ReasonControlGroup       = "control-group"
	ReasonRateLimited        = "rate-limited"
	ReasonBudgetExhausted    = "budget-exhausted"   // as store.ReasonBudgetExhausted
	ReasonCampaignSuspended  = "campaign-suspended" // as store.ReasonCampaignSuspended
)

// Outcome is what became of one firing of a rule for one player.
type Outcome struct {
	Seq    int64  `json:"seq"`
	Rule   string `json:"rule"`
	Action string `json:"action"` // the reward or offer given, or "control"
	Player string `json:"player"`
	// TriggerHash names the trigger: the event, the batch's last event, the
	// inactivity or the scheduled firing. Key is the idempotency key, rule,
	// action, player and trigger hash: an action runs at most once per key.
	TriggerHash string `json:"trigger_hash"`
	Key         string `json:"key"`
	Status      string `json:"status"` // skipped, waiting, issued, rejected
	Reason      string `json:"reason,omitempty"`
	Detail      string `json:"detail,omitempty"`
	Reward      string `json:"reward,omitempty"`
	Kind        string `json:"kind,omitempty"` // the reward's result kind: amount, points, template...; offer for an offer
	// Amount and Currency for amount rewards, Points for points, gems and
	// diamonds, Template for templates.
	Amount   *Number `json:"amount,omitempty"`
	Currency string  `json:"currency,omitempty"`
	Points   *Number `json:"points,omitempty"`
	// Target is where points apply: balance, leaderboard or level ("" for
	// gems, diamonds and the other results).
	Target   string `json:"target,omitempty"`
	Template string `json:"template,omitempty"`
	// Raw is what the reward's formula gave when the result was skipped
	// for its value (zero or negative, rounded to zero, below the
	// minimum), as promoc eval's raw: how close the player came, for the
	// skip's messages and the host; Currency is its currency. nil
	// otherwise.
	Raw *Number `json:"raw,omitempty"`
	// Offer is the offer a give offer gives (its name in the rule set),
	// OfferRef its reference; Assignment and Code the assignment made
	// (offer.go), Code "" for an offer that takes no voucher code.
	Offer          string    `json:"offer,omitempty"`
	OfferRef       string    `json:"offer_reference,omitempty"`
	Assignment     string    `json:"assignment,omitempty"`
	Code           string    `json:"code,omitempty"`
	Variant        string    `json:"variant,omitempty"`
	Messages       []Message `json:"messages,omitempty"`
	RuleSetVersion string    `json:"rule_set_version"`
	Trigger        Trigger   `json:"trigger"`
	At             time.Time `json:"at"`
	// Calculated is, for a result a recalculation replaced or rejected (and
	// the decision on it since), the time of its first calculation, which
	// the recalculation keeps (the deadline Expires counts from it), where
	// At is the recalculation's (or the decision's); nil for a result never
	// recalculated, whose first calculation is its waiting outcome's At.
	// promoc approvals list shows it as the result's time.
	Calculated *time.Time `json:"calculated,omitempty"`
	// Expires is when a waiting result times out (approval manual within
	// D: its first calculation + D), nil when it does not or the outcome
	// is not waiting: from then on it can no longer be approved or
	// rejected, and the engine rejects it with reason timed-out.
	Expires *time.Time     `json:"expires,omitempty"`
	Trace   *runtime.Trace `json:"trace,omitempty"`
	// Refused is what the messages of a calculated outcome become if the
	// store refuses it (its budget, a suspension): kept with the outcome in
	// the store's log, for OutcomeOf, and never in an outcome returned.
	Refused []Message `json:"refused,omitempty"`
	// Sent is, for an operator's decision on a waiting result (issued or
	// rejected), the messages its waiting outcome listed: sent then, so
	// not listed again in Messages, and kept here for what they tell of
	// the result (a bonus's communication profile). Never in JSON.
	Sent []Message `json:"-"`
}

// refusedDetail is the detail of an outcome the store refused.
const refusedDetail = "the campaign's budget or status refused the reward"

// withReason is the messages of a refused outcome, with its reason.
func withReason(ms []Message, reason string) []Message {
	out := make([]Message, 0, len(ms))
	for _, m := range ms {
		if _, ok := m.Values["reason"]; ok {
			vs := make(map[string]string, len(m.Values))
			for k, v := range m.Values {
				vs[k] = v
			}
			vs["reason"] = reason
			m.Values = vs
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Number is an exact decimal that keeps its scale: 10.00 stays "10.00" in
// JSON, where a decimal.Decimal would write "10".
type Number struct{ decimal.Decimal }

func num(d decimal.Decimal) *Number { return &Number{d} }

// setRaw sets Raw, and Currency for an amount, from a result skipped for
// its value: what the reward's formula gave. A result skipped otherwise
// has no raw value and leaves both as they are.
func (o *Outcome) setRaw(res runtime.Result) {
	if res.HasRaw() {
		o.Raw = num(res.Raw())
		if res.Kind == "amount" {
			o.Currency = res.Currency
		}
	}
}

// String writes the number with its scale.
func (n Number) String() string {
	if e := n.Exponent(); e < 0 {
		return n.StringFixed(-e)
	}
	return n.Decimal.String()
}

// Format writes the number with its scale for fmt's verbs (%v, %s): the
// decimal.Decimal it embeds would drop the scale.
func (n Number) Format(f fmt.State, verb rune) { io.WriteString(f, n.String()) }

// MarshalJSON writes the number as a JSON string with its scale.
func (n Number) MarshalJSON() ([]byte, error) { return []byte(`"` + n.String() + `"`), nil }

// UnmarshalJSON reads a number written as a string or a JSON number,
// keeping its scale.
func (n *Number) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return err
	}
	n.Decimal = d
	return nil
}

// Trigger is what fired a rule, and the anchors of its windows.
type Trigger struct {
	Type  string    `json:"type"` // event, every, inactive, schedule
	Event string    `json:"event,omitempty"`
	Time  time.Time `json:"time"`
	// Firing is the key of a scheduled firing: "Europe/Malta 2026-03-30T00:00".
	Firing  string          `json:"firing,omitempty"`
	Anchors runtime.Anchors `json:"anchors,omitzero"`
	// Zone, on a result waiting for approval, is the player's zone at the
	// trigger ("UTC" for a player without one): a recalculation evaluates
	// the windows in player zone in it, so that it keeps the original
	// window when the player moved meanwhile.
	Zone string `json:"zone,omitempty"`
	// Skip, for every N, is the number of events at the time of the
	// batch's first received before it: they belong to an earlier batch
	// (or none), and the batch's window leaves them out.
	Skip int `json:"skip,omitempty"`
	// QualSkip is the number of events at the qualification's time
	// received before the qualifying event: a window from the
	// qualification leaves them out, as Skip does for every N.
	QualSkip int `json:"qual_skip,omitempty"`
	// EnterSkip is the number of events at the entrance's time received
	// before the entering event: since entrance leaves them out.
	EnterSkip int `json:"enter_skip,omitempty"`
}

// Message is a message a host sends for an outcome, with its values.
type Message struct {
	Name   string            `json:"name"`
	Values map[string]string `json:"values,omitempty"`
	// Suppressed: the rule's message limit held it back.
	Suppressed bool `json:"suppressed,omitempty"`
}

// triggerHash names a trigger by its parts: the first 16 bytes, in hex, of
// the SHA-256 of the parts, each followed by a zero byte. Parts that fit
// are hashed from a buffer on the stack, so that the one string returned
// is all it allocates.
func triggerHash(parts ...string) string {
	var stack [256]byte
	buf := stack[:0]
	for _, p := range parts {
		buf = append(buf, p...)
		buf = append(buf, 0)
	}
	sum := sha256.Sum256(buf)
	var out [32]byte
	hex.Encode(out[:], sum[:16])
	return string(out[:])
}

// KeyString writes an idempotency key as rule/action/player/hash.
func KeyString(k store.Key) string {
	return k.Rule + "/" + k.Action + "/" + k.Player + "/" + k.TriggerHash
}

// toStore is the outcome as the store logs it: its body is the outcome's
// JSON, its campaign the rule (whose budget, when it has one, it draws on,
// and which an operator may suspend).
func (o *Outcome) toStore() (store.Outcome, error) {
	body, err := json.Marshal(o)
	if err != nil {
		return store.Outcome{}, err
	}
	so := store.Outcome{
		Key:      store.Key{Rule: o.Rule, Action: o.Action, Player: o.Player, TriggerHash: o.TriggerHash},
		Campaign: o.Rule,
		Status:   store.Status(o.Status),
		Reason:   o.Reason,
		Body:     body,
		At:       o.At,
	}
	if o.Expires != nil {
		so.Expires = *o.Expires
	}
	so.Amount, so.Currency = o.budgetAmount()
	return so, nil
}

// budgetAmount is what the outcome takes from its campaign's budget: the
// amount in its currency, points (currency ""), or one template.
func (o *Outcome) budgetAmount() (decimal.Decimal, string) {
	switch {
	case o.Amount != nil:
		return o.Amount.Decimal, o.Currency
	case o.Points != nil:
		return o.Points.Decimal, ""
	case o.Template != "":
		return decimal.NewFromInt(1), ""
	}
	return decimal.Zero, ""
}

// OutcomeOf reads an outcome from the store's log: the engine's record,
// with the status, reason and sequence number the store gave it.
func OutcomeOf(so store.Outcome) (Outcome, error) {
	var o Outcome
	if len(so.Body) > 0 {
		if err := json.Unmarshal(so.Body, &o); err != nil {
			return Outcome{}, fmt.Errorf("outcome %d: %w", so.Seq, err)
		}
	}
	o.Seq = so.Seq
	o.Rule, o.Action, o.Player, o.TriggerHash = so.Key.Rule, so.Key.Action, so.Key.Player, so.Key.TriggerHash
	o.Key = KeyString(so.Key)
	refused := o.Refused
	o.Refused = nil
	if o.Status != string(so.Status) {
		// The store decided otherwise (the budget, a suspension, an
		// operator): its status and reason stand.
		o.Status, o.Reason = string(so.Status), so.Reason
		// An operator's decision (issued or rejected from waiting) lists
		// no messages: those of on calculated went with the waiting
		// outcome, and a host acting on each outcome's messages would
		// send them twice.
		o.Detail = ""
		if so.Status == store.Issued || so.Status == store.Rejected {
			o.Sent = o.Messages
		}
		o.Messages = nil
		if so.Status == store.Skipped {
			o.Detail = refusedDetail
			o.Messages = withReason(refused, so.Reason)
		}
	}
	if !so.At.IsZero() {
		o.At = so.At
	}
	if so.Status != store.Waiting {
		o.Expires = nil // decided: it no longer times out
	}
	return o, nil
}
