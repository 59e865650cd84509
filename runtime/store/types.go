package store

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/vm/currency"
)

// Key identifies one action: an action runs at most once per key.
type Key struct {
	Rule, Action, Player string
	TriggerHash          string
}

// String writes the key as the approval queue lists it,
// rule/action/player/trigger hash, so that errors naming a key (%v, %+v)
// name it so too.
func (k Key) String() string {
	return k.Rule + "/" + k.Action + "/" + k.Player + "/" + k.TriggerHash
}

// Status is what became of an outcome.
type Status string

// The statuses of outcomes.
const (
	Skipped  Status = "skipped"  // not given; Reason says why
	Waiting  Status = "waiting"  // calculated, reserved, waiting for approval
	Issued   Status = "issued"   // posted from the budget
	Rejected Status = "rejected" // a waiting result dropped; its reservation voided
)

// Reasons the store itself gives when it turns an outcome into a skip.
const (
	ReasonBudgetExhausted   = "budget-exhausted"
	ReasonCampaignSuspended = "campaign-suspended"
)

// Outcome is one entry of the outcome log.
type Outcome struct {
	Seq      int64 // set by the store: > 0, increasing in commit order
	Key      Key
	Campaign string // "" when the rule belongs to no campaign (no budget)
	Status   Status
	Reason   string          // for Skipped and Rejected
	Amount   decimal.Decimal // the rounded amount; zero when no money
	Currency string          // "" when no money
	Body     []byte          // the engine's own record (values, trace); opaque here
	At       time.Time       // UTC, nanoseconds
	// Expires is when a Waiting outcome times out (approval manual within
	// D: its first calculation + D), zero when it does not. [Store.Apply]
	// keeps it in the approval queue, where [Store.Approve] and
	// [Store.Reject] at or after it are [ErrTimedOut]; it is not in the
	// log, and the reads of the log leave it zero (the engine keeps its
	// own copy in Body).
	Expires time.Time
	// Event is the id of the event (of the key's player) whose change
	// logged the outcome: set by [Store.Apply] from [Change.Event], "" for
	// an outcome logged otherwise (a timer, a schedule, an approval). It is
	// written, and read by [EventOutcomes], but not by the other reads of
	// the log.
	Event string
	// Repeat is set by [Store.Apply] when the key had an outcome already:
	// this is that first outcome, and nothing was written.
	Repeat bool
}

// Event is an event id seen for a player, with a hash of its content and,
// while the rules need it, the event itself.
type Event struct {
	Player, ID string
	// Hash is a content hash, recorded with the id: the same id
	// recorded with another hash is a conflict, unless Same says it is
	// this event's.
	Hash []byte
	// Same, when set, says whether the hash recorded for the player and
	// id is this event's: the engine's hash of an event's meaning leaves a
	// currency the event does not name to the one it was recorded in, and
	// an event recorded by an older engine holds a hash of its text. nil
	// compares the bytes of Hash.
	Same func(recorded []byte) bool
	Kind string    // the event's kind (deposit, login, ...)
	At   time.Time // when it happened; kept in UTC to the nanosecond
	// Body is the engine's own encoding of the event, kept for the
	// player's history until [Store.Prune] drops it; nil keeps no history
	// of the event (its id and hash are recorded all the same).
	Body []byte
}

// Matches reports whether recorded, the hash recorded for e's player and
// id, is e's: a redelivery, not a conflict.
func (e *Event) Matches(recorded []byte) bool {
	if e.Same != nil {
		return e.Same(recorded)
	}
	return bytes.Equal(recorded, e.Hash)
}

// SeenStatus is what [Store.Seen] knows of an event.
type SeenStatus uint8

// The answers of Seen.
const (
	NotSeen   SeenStatus = iota // the player's event id is not recorded
	SeenSame                    // recorded with the same hash: a redelivery
	SeenOther                   // recorded with another hash: a conflict
)

// String is the status's name.
func (s SeenStatus) String() string {
	switch s {
	case NotSeen:
		return "not-seen"
	case SeenSame:
		return "seen-same"
	case SeenOther:
		return "seen-other"
	}
	return fmt.Sprintf("SeenStatus(%d)", uint8(s))
}

// Timer is the one pending wake-up of a player in a rule (an inactivity
// deadline, a player's next scheduled firing): at most one per (Player,
// Rule).
type Timer struct {
	Player, Rule string
	Due          time.Time // UTC, nanoseconds; in a Change, zero deletes the timer
}

// State is the small state of one player in one rule (counters, anchors,
// last firing), opaque to the store.
type State struct {
	Player, Rule string
	// Version is the version read (0: none yet) when given to Apply, and
	// the version stored when returned. Apply refuses a state whose Version
	// is not the stored one with [ErrStateConflict].
	Version int64
	Data    []byte
}

// Change is everything one event changes, written whole or not at all: a
// duplicate event, or a conflict, writes none of its parts.
type Change struct {
	// Event, when set, is recorded as seen. An id seen before with the same
	// hash makes the whole change a duplicate: nothing is written.
	Event *Event
	// States are written with optimistic concurrency.
	States []State
	// Outcomes are logged, each in the outbox from then on (a row of its
	// own on PostgreSQL, the log itself on SQLite). An Issued or Waiting
	// outcome with an amount reserves it from the campaign's account in
	// its currency, when the campaign has one: an amount that does not fit
	// whole turns the outcome into a skip with reason budget-exhausted and
	// suspends the campaign; a suspended campaign skips it with reason
	// campaign-suspended. Issued posts the reservation at once; Waiting
	// queues the result for approval.
	Outcomes []Outcome
	// Timers are set, replacing the timer of the same player and rule; a
	// timer with a zero Due deletes it.
	Timers []Timer
	// Players are stored as [Store.PutPlayers] stores them.
	Players []Player
}

// Applied is what Apply did with one change.
type Applied struct {
	// Err is ErrEventConflict or ErrStateConflict (wrapped): nothing of the
	// change was written.
	Err error
	// Duplicate: the event was seen before; nothing was written.
	Duplicate bool
	// Outcomes as logged, one per outcome of the change: with Seq set, a
	// status the budget may have changed, or the first outcome of the key
	// (Repeat set).
	Outcomes []Outcome
	// Versions are the stored versions of the change's states.
	Versions []int64
}

// Budget is a campaign's ledger account in one currency. Posted+Reserved
// never exceeds Limit.
type Budget struct {
	Campaign, Currency string
	Limit              decimal.Decimal
	Posted             decimal.Decimal // issued
	Reserved           decimal.Decimal // waiting for approval
}

// Left is what can still be reserved.
func (b Budget) Left() decimal.Decimal { return b.Limit.Sub(b.Posted).Sub(b.Reserved) }

// Amount writes an amount of the budget as outcomes write theirs (Money).
// The store keeps amounts without their scale (10.1).
func (b Budget) Amount(d decimal.Decimal) string { return Money(d, b.Currency) }

// Money writes an amount exactly, with at least the minor units of its
// currency (10.10 EUR, 500 JPY, 1.250 KWD), or more digits when the amount
// has them (10.125 EUR); an amount without a currency, or of a code that
// is not a currency (points), with its own digits. Trailing zeros beyond
// those are not written.
func Money(d decimal.Decimal, cur string) string {
	text := d.String() // without trailing zeros
	scale := int32(0)
	if code, ok := currency.Parse(cur); ok {
		scale = code.MinorUnits() // 0 for a code not in the table
	}
	if i := strings.IndexByte(text, '.'); i >= 0 {
		scale = max(scale, int32(len(text)-i-1))
	}
	return d.StringFixed(scale)
}

// CampaignStatus is active or suspended.
type CampaignStatus string

// The statuses of a campaign.
const (
	Active    CampaignStatus = "active"
	Suspended CampaignStatus = "suspended"
)

// Campaign is the status of a campaign and since when.
type Campaign struct {
	Name   string
	Status CampaignStatus
	Reason string    // why it was suspended, e.g. budget-exhausted
	Since  time.Time // zero when never changed
}

// Player is a player's properties as the host last sent them.
type Player struct {
	ID   string
	Zone string // IANA zone, "" when unknown
	// Props is a JSON object, opaque here: the player record of
	// runtime.EncodePlayer (id, currency, zone, properties), as promoc
	// players import writes it and runtime.DecodePlayer reads it.
	Props []byte
}

// Run is one scheduled run of a campaign in a zone on a local date.
type Run struct {
	Campaign, Zone string
	LocalDate      string // YYYY-MM-DD in Zone
	TriggerHash    string // shared by every player of the run
	Started        time.Time
	Finished       time.Time // zero while unfinished
}
