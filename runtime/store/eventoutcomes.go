package store

import "context"

// EventOutcomes reads the outcome log by the event whose handling logged
// each outcome ([Outcome.Event]): a server answering a request again
// (an Idempotency-Key retried after a crash, an event sent twice) lists
// the outcomes the first handling stored. Both drivers implement it.
type EventOutcomes interface {
	// OutcomesOfEvents returns the outcomes that Apply logged for the
	// changes of the events (player and event id each), in log order,
	// with Event set. An event with no outcome, or never seen, adds none;
	// an event named twice adds its outcomes once.
	OutcomesOfEvents(ctx context.Context, events []EventRef) ([]Outcome, error)
}

// EventRef names an event: a player's event id.
type EventRef struct {
	Player, ID string
}
