package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/shopspring/decimal"
)

// Bonuses is the lifecycle of issued bonuses: each bonus granted once,
// with the references that trace it to what caused it, then one terminal
// status reported by the casino's bonus system. Both drivers implement it
// beside [Store] (a type assertion finds it); every method is one
// transaction.
type Bonuses interface {
	// Grant records bonuses as Created, in order, in one transaction. A
	// bonus is granted once per (Source, Activity, Action, Player,
	// TriggerHash): granting it again returns the first bonus with Repeat
	// set and changes nothing, whatever its other fields. When cursor > 0
	// it is recorded, in the same transaction, as the sequence number of
	// the outcome log the grants were read up to ([Bonuses.BonusCursor]);
	// the cursor never moves back.
	Grant(ctx context.Context, bonuses []Bonus, cursor int64) ([]Bonus, error)
	// BonusCursor is the last cursor Grant recorded, 0 when none.
	BonusCursor(ctx context.Context) (int64, error)
	// ReportStatus applies status events in order, in one transaction, and
	// returns what became of each. An event whose id was seen before with
	// the same content is a duplicate and changes nothing; every other
	// event that cannot be applied is kept as a [BonusAnomaly]: its bonus
	// unknown, a status after a terminal one, its id seen with other
	// content, an amount in another currency. A terminal status is applied
	// at most once per bonus, under any concurrency. An event that is not
	// valid at all (no id, an unknown status, an amount the store cannot
	// hold) is an error naming it, and then nothing is written.
	ReportStatus(ctx context.Context, events []BonusEvent) ([]BonusResult, error)
	// Bonus is one bonus by its ID; ok is false when none.
	Bonus(ctx context.Context, id string) (b Bonus, ok bool, err error)
	// ListBonuses lists bonuses after sequence number after, at most
	// limit, in the order granted; campaign "" lists every campaign.
	ListBonuses(ctx context.Context, campaign string, after int64, limit int) ([]Bonus, error)
	// BonusEvents lists the status events applied or kept, after sequence
	// number after, at most limit, in the order received; bonus "" lists
	// those of every bonus.
	BonusEvents(ctx context.Context, bonus string, after int64, limit int) ([]BonusEventRecord, error)
	// BonusAnomalies lists the anomalies after sequence number after, at
	// most limit, in the order found.
	BonusAnomalies(ctx context.Context, after int64, limit int) ([]BonusAnomaly, error)
	// BonusTotals sums the bonuses per source, campaign and currency,
	// sorted by them; campaign "" sums every campaign.
	BonusTotals(ctx context.Context, campaign string) ([]BonusTotals, error)
	// BonusDays sums granted and turned-real amounts per source,
	// campaign, currency and UTC day (granted on the day of the grant,
	// turned real on the day of the completion), sorted by them.
	BonusDays(ctx context.Context, campaign string) ([]BonusDay, error)
}

// BonusStatus is where a bonus is in its lifecycle.
type BonusStatus string

// The statuses of a bonus: Created, then one terminal status.
const (
	BonusCreated   BonusStatus = "Created"
	BonusCompleted BonusStatus = "Completed" // the bonus amount turned real
	BonusForfeited BonusStatus = "Forfeited"
	BonusLost      BonusStatus = "Lost"
	BonusExpired   BonusStatus = "Expired"
)

// BonusStatuses are the statuses, Created first.
var BonusStatuses = []BonusStatus{BonusCreated, BonusCompleted, BonusForfeited, BonusLost, BonusExpired}

// Valid reports whether s is one of the statuses.
func (s BonusStatus) Valid() bool {
	for _, v := range BonusStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// Terminal reports whether s ends the lifecycle.
func (s BonusStatus) Terminal() bool { return s.Valid() && s != BonusCreated }

// The sources of bonuses.
const (
	SourcePromoc    = "promoc"    // issued by promoc's own rules
	SourceFastTrack = "fasttrack" // credited at the request of Fast Track
)

// BonusRefs are the references a bonus carries, which the bonus system
// echoes on every status event.
type BonusRefs struct {
	Activity             string // the rule (campaign, automation) or external activity
	ActionGroup          string // the group of actions the action belongs to
	Action               string // the action (the reward given)
	TriggerHash          string // the trigger: shared by every player of one scheduled send
	ID                   string // unique per trigger per player
	CommunicationProfile string // the message (translation) sent with it; "" when none
}

// Bonus is an issued bonus and where it is in its lifecycle.
type Bonus struct {
	Seq      int64  // set by the store: > 0, increasing in the order granted
	ID       string // [BonusID] of Source, Activity, Action, Player, TriggerHash; set by Grant when empty
	Source   string // SourcePromoc or SourceFastTrack
	Campaign string // what reports group by: the rule, or the Fast Track activity
	Refs     BonusRefs
	Player   string
	Code     string          // the bonus code an external request named; "" when none
	Amount   decimal.Decimal // the amount granted; zero when the bonus names none
	Currency string          // "" when no amount
	Granted  time.Time       // UTC
	Status   BonusStatus
	StatusAt time.Time       // when the status was reported; Granted while Created
	Real     decimal.Decimal // the amount turned real (Completed); zero otherwise
	// External is the references of the request that credited the bonus,
	// exactly as received (a JSON object: for Fast Track, its X-Fasttrack-*
	// headers); nil when none.
	External []byte
	// Repeat is set by Grant when the bonus was granted before: this is the
	// first bonus, and nothing was written.
	Repeat bool
}

// BonusID is the id of the bonus of a source, activity, action, player and
// trigger hash: 32 hexadecimal digits, the same on every replay.
func BonusID(source, activity, action, player, triggerHash string) string {
	h := sha256.New()
	for _, p := range []string{source, activity, action, player, triggerHash} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// BonusEvent is a status event of a bonus, from the casino's bonus system.
type BonusEvent struct {
	ID string // the event's id: an id seen before with the same content changes nothing
	// Bonus is the bonus's ID; when "", the bonus is found by Refs'
	// Activity, Action and TriggerHash and by Player.
	Bonus  string
	Refs   BonusRefs
	Player string
	Status BonusStatus
	// Amount turned real, for Completed; HasAmount false when the event
	// carries none (then the amount granted turned real).
	Amount    decimal.Decimal
	HasAmount bool
	Currency  string    // "" for the bonus's currency
	At        time.Time // when the status changed, as the bonus system says; zero when it does not (then Received)
	Received  time.Time // when promoc received it
	// Body is the event as received, kept with an anomaly (JSON).
	Body []byte
}

// The results of a status event.
const (
	BonusApplied   = "applied"   // the status is the bonus's now (or Created confirmed)
	BonusDuplicate = "duplicate" // the event id was seen before with the same content
	BonusAnomalous = "anomaly"   // kept as an anomaly, not applied
)

// The kinds of anomalies; stable, machine-readable.
const (
	AnomalyUnknownBonus       = "unknown-bonus"           // no bonus has the id or the references
	AnomalyAmbiguous          = "ambiguous-references"    // the references match several bonuses
	AnomalyTerminalAgain      = "terminal-after-terminal" // a terminal status after a terminal one
	AnomalyCreatedAfter       = "created-after-terminal"  // Created after a terminal status
	AnomalyEventConflict      = "event-conflict"          // the event id seen before with other content
	AnomalyCurrencyMismatch   = "currency-mismatch"       // an amount turned real in another currency
	AnomalyReferencesMismatch = "references-mismatch"     // a bonus id whose references differ from the event's
	AnomalyBeforeGrant        = "status-before-grant"     // a status dated more than BonusGrantSkew before the bonus's grant
)

// BonusGrantSkew is how far before its bonus's grant a status event's time
// may be and still be applied: the clocks of the bonus system and of
// promoc differ a little (as much as a status event's time may be ahead of
// the clock that receives it, bonus.MaxSkew). A status dated further before
// the grant changed before the bonus existed: an impossible sequence, kept
// as an anomaly, not applied.
const BonusGrantSkew = 5 * time.Minute

// BonusResult is what became of one status event.
type BonusResult struct {
	Result  string // BonusApplied, BonusDuplicate or BonusAnomalous
	Anomaly string // the kind, for BonusAnomalous
	Detail  string // what was wrong, for BonusAnomalous
	// Bonus is the bonus after the event, when one was found (Seq > 0).
	Bonus Bonus
}

// BonusEventRecord is a status event as kept: applied, or kept with the
// anomaly it was.
type BonusEventRecord struct {
	Seq      int64
	ID       string
	Bonus    string // the bonus's ID
	Status   BonusStatus
	Amount   decimal.Decimal // as the event gave it; zero when none
	Currency string
	At       time.Time
	Received time.Time
	// Result is BonusApplied or the kind of anomaly it was.
	Result string
}

// BonusAnomaly is a status event that was not applied, kept and reported.
type BonusAnomaly struct {
	Seq      int64
	Event    string // the event's id
	Kind     string // Anomaly...
	Bonus    string // the bonus's ID when one was found
	Detail   string
	Body     []byte // the event as received
	Received time.Time
	// Resolved is set when an event of unknown bonus was applied later,
	// delivered again once its bonus was granted.
	Resolved time.Time
}

// BonusTotals are the sums of one campaign's bonuses in one currency.
type BonusTotals struct {
	Source, Campaign, Currency string
	Granted                    decimal.Decimal // the amounts granted
	Real                       decimal.Decimal // the amounts turned real
	Count                      int64           // bonuses granted
	Completed, Forfeited       int64
	Lost, Expired              int64
}

// BonusDay is what was granted and turned real on one UTC day.
type BonusDay struct {
	Source, Campaign, Currency string
	Day                        time.Time // 00:00 UTC
	Granted, Real              decimal.Decimal
}

// ErrBonus: a bonus or a status event that is not valid at all.
var ErrBonus = errors.New("invalid bonus")
