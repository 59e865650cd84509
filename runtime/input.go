package runtime

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/vm"
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
	// Path is Field as its steps, for a host that names the input's
	// fields in its own terms (tracking names a payout's transactions as
	// the conversions of its API) without reading Field: set when the
	// input is prepared ([Program.Prepare], [Program.Evaluate], a
	// [Builder]) for the player's currency (player, currency) and zone
	// (player, zone), its properties (player, properties, NAME) and a
	// transaction's fields (transactions, the index in the input's
	// transactions, the attribute; the index alone for the transaction as
	// a whole); nil for the others, and for the errors of an input
	// document's text (a key, a JSON type) that [DecodeInput] finds.
	Path []PathStep
}

// PathStep is one step of an [InputError]'s path: the member Key of an
// object, or, when Key is "", the element Index of an array.
type PathStep struct {
	Key   string
	Index int
}

// inputError is the vm's input error as the runtime's, its path kept.
func inputError(ie *vm.InputError) *InputError {
	e := &InputError{Field: ie.Field, Msg: ie.Msg}
	if ie.Path != nil {
		e.Path = make([]PathStep, len(ie.Path))
		for i, s := range ie.Path {
			e.Path[i] = PathStep{Key: s.Key, Index: s.Index}
		}
	}
	return e
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}
