package runtime

import (
	"time"

	"github.com/shopspring/decimal"
)

// Input is everything an evaluation reads besides the rules.
type Input struct {
	// Now is the evaluation time: the value of `now` and the end of the
	// windows relative to it.
	Now          time.Time
	Player       Player
	Transactions []Transaction
	Anchors      Anchors
	// Rates converts amounts in other currencies to the player's: one unit
	// of currency "USD" is Rates["USD"] units of the player's currency.
	// A rate for the player's own currency is 1 or an input error: money in
	// it is never converted.
	// Conversion is exact; nothing is rounded until the reward's rounding.
	Rates map[string]decimal.Decimal
}

// Player is the player a reward is evaluated for.
type Player struct {
	ID       string
	Currency string // ISO 4217 code of the player's wallet
	Zone     string // IANA time zone, for windows "in player zone"; "" if unknown
	// Properties holds the declared player properties by name. Numbers and
	// money are decimal.Decimal, a Go integer of any size, json.Number or
	// decimal text (never float64), and a count a whole number; times are
	// time.Time or RFC 3339 text; durations are time.Duration or text such
	// as "72h". An absent key is an absent property: never silently zero,
	// except a string property named currency, zone or id, which is then
	// the field of that name above (and may not contradict it).
	Properties map[string]any
}

// Transaction is one transaction of the player.
type Transaction struct {
	ID       string // a repeated id counts once
	Kind     string // a declared kind: bet, win, deposit, ...
	Time     time.Time
	Currency string // of its money attributes; "" means the player's currency
	// Attrs holds the declared attributes by name (amount, game, ...),
	// valued as Player.Properties are.
	Attrs map[string]any
}

// Anchors are the times the rule-relative windows need; zero when absent.
// In JSON they have the names of the input document's "anchors".
type Anchors struct {
	FirstTransaction time.Time `json:"first_transaction,omitzero"` // first transaction of the accumulation
	LastTransaction  time.Time `json:"last_transaction,omitzero"`  // last transaction of the accumulation
	Qualification    time.Time `json:"qualification,omitzero"`     // when the player qualified
	Entrance         time.Time `json:"entrance,omitzero"`          // when the player entered the campaign
}

// InputError reports bad input: Field is a path such as
// "transactions[3].amount" or "player.currency".
type InputError struct {
	Field string
	Msg   string
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}
