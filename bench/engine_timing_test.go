package bench

import (
	"context"
	"sync"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// timedStore is a store that adds up the time spent in its writes (Apply)
// and in the reads the engine makes per event and per player, to tell the
// engine's own time from the database's. The engine reads players on
// several goroutines at once (their time adds up, beyond the wall clock's).
type timedStore struct {
	store.Store
	mu           sync.Mutex
	apply, reads time.Duration
	applies      int
	readCalls    int
}

func (s *timedStore) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	t := time.Now()
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.apply += time.Since(t)
		s.applies++
	}()
	return s.Store.Apply(ctx, changes)
}

func (s *timedStore) read(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads += time.Since(t)
	s.readCalls++
}

func (s *timedStore) Seen(ctx context.Context, events []store.Event) ([]store.SeenStatus, error) {
	defer s.read(time.Now())
	return s.Store.Seen(ctx, events)
}

func (s *timedStore) History(ctx context.Context, player string, since time.Time) ([]store.Event, error) {
	defer s.read(time.Now())
	return s.Store.History(ctx, player, since)
}

func (s *timedStore) States(ctx context.Context, player string) ([]store.State, error) {
	defer s.read(time.Now())
	return s.Store.States(ctx, player)
}

// FirstRead is the store's, timed (both drivers have it: the engine reads
// a player it does not hold with it).
func (s *timedStore) FirstRead(ctx context.Context, player string) (store.FirstRead, error) {
	defer s.read(time.Now())
	return s.Store.(store.FirstReads).FirstRead(ctx, player)
}

func (s *timedStore) State(ctx context.Context, player, rule string) (store.State, error) {
	defer s.read(time.Now())
	return s.Store.State(ctx, player, rule)
}

func (s *timedStore) Player(ctx context.Context, id string) (store.Player, bool, error) {
	defer s.read(time.Now())
	return s.Store.Player(ctx, id)
}

func (s *timedStore) Due(ctx context.Context, until time.Time, limit int) ([]store.Timer, error) {
	defer s.read(time.Now())
	return s.Store.Due(ctx, until, limit)
}

func (s *timedStore) PlayersIn(ctx context.Context, zone, after string, limit int) ([]store.Player, error) {
	defer s.read(time.Now())
	return s.Store.PlayersIn(ctx, zone, after, limit)
}

func (s *timedStore) Campaign(ctx context.Context, campaign string) (store.Campaign, error) {
	defer s.read(time.Now())
	return s.Store.Campaign(ctx, campaign)
}

func (s *timedStore) Budgets(ctx context.Context, campaign string) ([]store.Budget, error) {
	defer s.read(time.Now())
	return s.Store.Budgets(ctx, campaign)
}
