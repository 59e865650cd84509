package store

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
)

// Store is the state of the engine that survives a restart. Every method is
// one transaction; an error leaves the database as it was. Implementations
// pass the conformance suite of runtime/store/storetest.
type Store interface {
	// Apply writes changes in one transaction and returns one [Applied] per
	// change, in order. A change that fails with an [ErrEventConflict] or
	// an [ErrStateConflict] is left out whole (its Applied carries the
	// error) and the others are written. The error result is for the
	// transaction itself (the database, the context): then nothing is
	// written.
	Apply(ctx context.Context, changes []Change) ([]Applied, error)

	// Seen reports, for each event, whether its (Player, ID) is recorded
	// and with which hash, in one query (a few thousand events a call).
	Seen(ctx context.Context, events []Event) ([]SeenStatus, error)
	// History lists the player's recorded events that still have a body
	// and happened at or after since, by At, then in the order recorded.
	History(ctx context.Context, player string, since time.Time) ([]Event, error)
	// Prune drops the bodies of the events that happened before before and
	// returns how many it dropped. Their ids and hashes stay: a
	// redelivery is still a duplicate. It works in transactions of a few
	// thousand events, so that writers are not held up long; an error
	// leaves what was dropped dropped.
	Prune(ctx context.Context, before time.Time) (int64, error)

	// State is the state of one player in one rule; Version 0 and no Data
	// when none was stored.
	State(ctx context.Context, player, rule string) (State, error)
	// States lists every stored state of a player, by rule.
	States(ctx context.Context, player string) ([]State, error)

	// Due lists the timers due at or before until, by Due, then player,
	// then rule, at most limit.
	Due(ctx context.Context, until time.Time, limit int) ([]Timer, error)

	// SetBudget opens the account of a campaign in a currency with a limit,
	// or changes its limit. A limit below what is already posted and
	// reserved is refused with [ErrBudgetBelowSpent]. A campaign suspended
	// because its budget ran out is active again when the limit of an
	// account it had is raised; opening an account, or setting a limit
	// again or lower, leaves it suspended.
	SetBudget(ctx context.Context, campaign, currency string, limit decimal.Decimal, at time.Time) error
	// Budgets lists the accounts of a campaign, by currency.
	Budgets(ctx context.Context, campaign string) ([]Budget, error)
	// Audit checks every account against its ledger: posted is the sum of
	// the post entries, reserved the sum of the reservations not yet
	// resolved, and together they are within the limit. A difference is
	// [ErrLedger], naming the accounts.
	Audit(ctx context.Context) error

	// Campaign is the status of a campaign: active when never suspended.
	Campaign(ctx context.Context, campaign string) (Campaign, error)
	// Suspend stops a campaign: its rewards are skipped with reason
	// campaign-suspended until [Store.Resume]. The reason
	// ReasonBudgetExhausted is the engine's own (a raise of the budget
	// lifts it): ErrReservedReason.
	Suspend(ctx context.Context, campaign, reason string, at time.Time) error
	// Resume makes a suspended campaign active again.
	Resume(ctx context.Context, campaign string, at time.Time) error
	// Campaigns lists the names of the campaigns the store knows, sorted:
	// those with a budget account or a status (suspended once, or resumed).
	Campaigns(ctx context.Context) ([]string, error)

	// Waiting lists the results waiting for approval after the outcome with
	// sequence number after, oldest first, at most limit.
	Waiting(ctx context.Context, after int64, limit int) ([]Outcome, error)
	// Approve issues a waiting result: its reservation is posted and an
	// issued outcome is logged. [ErrNotWaiting] when no result of the key
	// waits.
	Approve(ctx context.Context, key Key, at time.Time) (Outcome, error)
	// Reject drops a waiting result (rejected by an operator, or timed
	// out): its reservation is voided and a rejected outcome with the
	// reason is logged. [ErrNotWaiting] when no result of the key waits.
	Reject(ctx context.Context, key Key, reason string, at time.Time) (Outcome, error)

	// Recalculate replaces a waiting result with one calculated again (a
	// rule changed): its reservation is voided and the new amount reserved
	// in its place, and a waiting outcome with the new amount and body is
	// logged; an amount that does not fit makes it a skip with reason
	// budget-exhausted and suspends the campaign. The key and the original
	// trigger stay. [ErrNotWaiting] when no result of the key waits.
	Recalculate(ctx context.Context, key Key, amount decimal.Decimal, body []byte, at time.Time) (Outcome, error)

	// Outcomes reads the outcome log after sequence number after, at most
	// limit, in sequence order: a cursor feed.
	Outcomes(ctx context.Context, after int64, limit int) ([]Outcome, error)
	// Outbox lists the outcomes not yet marked delivered, oldest first.
	Outbox(ctx context.Context, limit int) ([]Outcome, error)
	// Delivered marks outbox rows delivered; unknown or delivered sequence
	// numbers are ignored.
	Delivered(ctx context.Context, seqs []int64, at time.Time) error

	// PutPlayers stores players' properties, replacing what was stored.
	PutPlayers(ctx context.Context, players []Player) error
	// Players lists players by id after the id after, at most limit: the
	// audience of scheduled campaigns.
	Players(ctx context.Context, after string, limit int) ([]Player, error)
	// Zones lists the distinct zones of the stored players, sorted; ""
	// when some player has no zone.
	Zones(ctx context.Context) ([]string, error)
	// Player is one stored player; ok is false when none is stored.
	Player(ctx context.Context, id string) (p Player, ok bool, err error)
	// PlayersIn lists the players of one zone by id after the id after, at
	// most limit.
	PlayersIn(ctx context.Context, zone, after string, limit int) ([]Player, error)

	// StartRun records that a scheduled run begins. When a run of the same
	// campaign, zone and local date exists, it is returned instead with
	// started false: a run happens once, and an unfinished one resumes with
	// its first trigger hash.
	StartRun(ctx context.Context, run Run) (got Run, started bool, err error)
	// FinishRun marks a run done.
	FinishRun(ctx context.Context, campaign, zone, localDate string, at time.Time) error
	// Runs lists the runs of a campaign, the latest local date first, at
	// most limit.
	Runs(ctx context.Context, campaign string, limit int) ([]Run, error)

	// AddKey stores an API key. An ID or hash stored already is an error.
	AddKey(ctx context.Context, k APIKey) error
	// KeyByHash is the key whose secret hashes to hash, revoked or not; ok
	// is false when none is stored.
	KeyByHash(ctx context.Context, hash []byte) (k APIKey, ok bool, err error)
	// Keys lists the API keys, by ID.
	Keys(ctx context.Context) ([]APIKey, error)
	// RevokeKey marks a key revoked at at; [ErrNoKey] when no key has the
	// ID. Revoking a revoked key keeps its first time.
	RevokeKey(ctx context.Context, id string, at time.Time) error

	// StartRequest records that a request with an Idempotency-Key begins.
	// When one of the same scope and key is recorded, it is returned instead
	// with started false, unless it still runs and started before
	// staleBefore (its process died): then r takes its place.
	StartRequest(ctx context.Context, r Request, staleBefore time.Time) (got Request, started bool, err error)
	// FinishRequest records the response of a running request.
	FinishRequest(ctx context.Context, scope, key string, status int, response []byte) error
	// DropRequest forgets a running request that stored nothing (it was
	// refused, or failed): the key may be used again.
	DropRequest(ctx context.Context, scope, key string) error
	// PruneRequests forgets the requests started before before and
	// returns how many.
	PruneRequests(ctx context.Context, before time.Time) (int64, error)

	// AppendAudit adds an entry to the audit log, which is only ever added
	// to, and returns its sequence number.
	AppendAudit(ctx context.Context, e AuditEntry) (int64, error)
	// AuditLog reads the audit log after sequence number after, at most
	// limit, in order.
	AuditLog(ctx context.Context, after int64, limit int) ([]AuditEntry, error)

	// PutOffer stores an offer, replacing what was stored under its Ref.
	PutOffer(ctx context.Context, o Offer) error
	// Offer is one stored offer; ok is false when none is stored.
	Offer(ctx context.Context, ref string) (o Offer, ok bool, err error)
	// ImportVouchers adds codes to an offer that requires vouchers, in one
	// transaction: a code the offer has already (imported, or a point of
	// sale's confirmation of one of its assignments), or one repeated in
	// codes, is ignored and counted. Spaces around a code are dropped first
	// ([TrimCode]), as Confirm drops them. [ErrNoOffer],
	// [ErrNotVoucherOffer], or [ErrVoucherCode] (a blank code, one not
	// UTF-8, over [VoucherCodeChars], with a control or an invisible
	// character ([Invisible]) or not in Unicode normal form C
	// ([NormalCode])) import nothing.
	ImportVouchers(ctx context.Context, offer string, codes []string, at time.Time) (VoucherImport, error)
	// Assign gives an offer to players, one assignment each, in order, all
	// or none: when the offer requires vouchers and fewer unassigned codes
	// are left than players, [ErrNoVouchers] and nothing is assigned. A
	// code is never assigned twice, even by assignments running at once.
	Assign(ctx context.Context, offer string, players []string, at time.Time) ([]Assignment, error)
	// Confirm records that the point of sale confirmed an assignment with
	// its own code: the assignment is synchronized from then on, and
	// returned as stored. Confirming again with the same code changes
	// nothing; with another code it is [ErrConfirmed], returned with the
	// assignment as stored (its Confirmation the first code). [ErrNoAssignment]
	// when no assignment has the reference; [ErrVoucherCode] for a code
	// imports refuse. Spaces around the code are dropped first, as an
	// import drops them (a confirmation stored with its spaces before is
	// the same code, returned as stored). A code another assignment of the
	// offer holds (confirmed with it, or given it from the imported codes)
	// or an imported code not given yet is [ErrCodeTaken], and nothing is
	// confirmed, even for two confirmations at once. An assignment whose
	// player was erased is confirmed too, and returned with Erased set.
	Confirm(ctx context.Context, ref, code string, at time.Time) (Assignment, error)
	// Assignments lists the assignments of an offer, by time, then
	// player, then reference.
	Assignments(ctx context.Context, offer string) ([]Assignment, error)

	// Close releases the database.
	Close() error
}
