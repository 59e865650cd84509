package store

import "errors"

// Errors, found with errors.Is.
var (
	// ErrEventConflict: an event id seen before came with other content.
	ErrEventConflict = errors.New("event id seen before with other content")
	// ErrStateConflict: a state was written by someone else since it was read.
	ErrStateConflict = errors.New("state changed since it was read")
	// ErrNotWaiting: no result of the key waits for approval.
	ErrNotWaiting = errors.New("no result waiting for approval")
	// ErrBudgetBelowSpent: a limit below what is posted and reserved.
	ErrBudgetBelowSpent = errors.New("budget limit below what is already posted and reserved")
	// ErrAmount: an amount the store cannot hold exactly.
	ErrAmount = errors.New("amount not representable")
	// ErrLedger: an account's totals differ from its ledger entries.
	ErrLedger = errors.New("budget account differs from its ledger")
	// ErrNoKey: no API key has the ID.
	ErrNoKey = errors.New("no such API key")
	// ErrNoWebhook: no webhook has the ID.
	ErrNoWebhook = errors.New("no such webhook")
	// ErrNotOurs: the database belongs to another application, or is not a database.
	ErrNotOurs = errors.New("not a promoc database")
	// ErrReservedReason: an operator's suspension given the reason the
	// engine gives a campaign its budget stopped (ReasonBudgetExhausted),
	// which a raise of the budget would lift.
	ErrReservedReason = errors.New("budget-exhausted is the engine's own reason for a campaign its budget stopped")
	// ErrNewerSchema: the database was written by a newer promoc.
	ErrNewerSchema = errors.New("database schema is newer than this promoc")
)
