package store

import "context"

// FirstReads reads, in one query, what the engine reads of a player it
// does not hold yet: the player's states and the player's stored record.
// A store without it is read with States and then Player, two queries
// where the first sight of a new player (no state, no record) needs one.
// Both drivers implement it.
type FirstReads interface {
	// FirstRead returns the player's states, as States lists them (by
	// rule), and the player's record, as Player returns it (HasPlayer
	// false when none is stored), read at one point in time.
	FirstRead(ctx context.Context, player string) (FirstRead, error)
}

// FirstRead is a player's states and record, read together.
type FirstRead struct {
	States    []State
	Player    Player
	HasPlayer bool
}
