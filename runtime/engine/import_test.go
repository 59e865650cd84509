package engine_test

import (
	"context"
	"encoding/json"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

const noonRules = `
kind deposit {
	amount: money
}

reward five: amount {
	give 5 EUR | 5 USD
}

automation noon {
	trigger schedule every day 12:00 in player zone

	give five
}
`

// record is a player record as promoc players import stores it.
func record(t *testing.T, id, cur, zone string, props map[string]any) store.Player {
	t.Helper()
	b, err := runtime.EncodePlayer(runtime.Player{ID: id, Currency: cur, Zone: zone, Properties: props})
	require.NoError(t, err)
	return store.Player{ID: id, Zone: zone, Props: b}
}

// storedMeta is the engine's data of a player, as stored.
type storedMeta struct {
	Currency  string         `json:"currency"`
	Zone      string         `json:"zone"`
	Props     map[string]any `json:"properties"`
	First     time.Time      `json:"first"`
	Latest    time.Time      `json:"latest"`
	ZoneSince time.Time      `json:"zone_since"`
}

func metaOf(t *testing.T, st store.Store, player string) (storedMeta, int64) {
	t.Helper()
	s, err := st.State(context.Background(), player, "@player")
	require.NoError(t, err)
	var m storedMeta
	if s.Version > 0 {
		require.NoError(t, json.Unmarshal(s.Data, &m))
	}
	return m, s.Version
}

// TestImportMovesPlayer: an import that changes the zone of a player the
// engine knows is a move at the time given, as a player event is. The
// player is the new zone's from then on: Los Angeles's noon of Nov 2,
// which runs after the import but was before the move, is not p1's; the
// next one is, and the engine reads the player in the new zone.
func TestImportMovesPlayer(t *testing.T) {
	ctx := context.Background()
	e, st := noonEngine(t)
	reg := utc("2026-11-01T00:00:00Z")
	handle(t, e,
		playerEv("reg-p1", "p1", reg, "EUR", "Pacific/Auckland", map[string]any{"vip": true}),
		playerEv("reg-p2", "p2", reg, "USD", "America/Los_Angeles", nil))
	var all []engine.Outcome
	advance := func(to string) {
		outs, err := e.Advance(ctx, utc(to))
		require.NoError(t, err)
		all = append(all, outs...)
	}
	advance("2026-11-01T12:00:00Z") // in service
	advance("2026-11-02T19:00:00Z") // Auckland's noon of Nov 2 (Nov 1 23:00Z) is p1's

	moved := utc("2026-11-02T20:30:00Z")
	require.NoError(t, engine.ImportPlayers(ctx, st, []store.Player{record(t, "p1", "USD", "America/Los_Angeles", map[string]any{"country": "US"})}, moved))
	m, _ := metaOf(t, st, "p1")
	assert.Equal(t, "America/Los_Angeles", m.Zone)
	assert.True(t, m.ZoneSince.Equal(moved), "zone_since %v", m.ZoneSince)
	assert.Equal(t, "USD", m.Currency, "the record's currency replaces the player's")
	assert.Equal(t, map[string]any{"country": "US"}, m.Props, "the record's properties replace the player's")
	assert.True(t, m.First.Equal(reg), "the first event stays")
	sp, ok, err := st.Player(ctx, "p1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "America/Los_Angeles", sp.Zone)
	assert.JSONEq(t, `{"id":"p1","currency":"USD","zone":"America/Los_Angeles","properties":{"country":"US"}}`, string(sp.Props))

	// The engine that cached p1 reads the import: its next write of p1
	// conflicts, and it decides p1 again from the store.
	for at := utc("2026-11-02T20:00:00Z"); !at.After(utc("2026-11-04T00:00:00Z")); at = at.Add(time.Hour) {
		advance(at.Format(time.RFC3339))
	}
	assert.Equal(t, []string{
		"p2 America/Los_Angeles 2026-11-01T12:00 2026-11-01T20:00:00Z issued",
		"p1 Pacific/Auckland 2026-11-02T12:00 2026-11-01T23:00:00Z issued",
		"p2 America/Los_Angeles 2026-11-02T12:00 2026-11-02T20:00:00Z issued", // not p1's: before the move
		"p2 America/Los_Angeles 2026-11-03T12:00 2026-11-03T20:00:00Z issued",
		"p1 America/Los_Angeles 2026-11-03T12:00 2026-11-03T20:00:00Z issued",
	}, fired(all, "noon"))
}

// TestImportPlayersAgain: a first import stores the record and the
// player's data from it, versioned (a running engine's first write of the
// player conflicts with it: TestImportRacesFirstEvent); the same record
// again writes the same data (versioned, as every import); a player imported and never seen who
// moves keeps its move in the engine's data, with its new record; a record
// without a zone moves the player to none (UTC).
func TestImportPlayersAgain(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	at := utc("2026-11-05T00:00:00Z")
	q := record(t, "q1", "EUR", "Pacific/Auckland", nil)
	require.NoError(t, engine.ImportPlayers(ctx, st, []store.Player{q}, at))
	first, v := metaOf(t, st, "q1")
	assert.Equal(t, int64(1), v, "the record's data")
	assert.Equal(t, "Pacific/Auckland", first.Zone)
	assert.True(t, first.ZoneSince.IsZero(), "a new player did not move")
	require.NoError(t, engine.ImportPlayers(ctx, st, []store.Player{q}, at.Add(day)))
	m, v := metaOf(t, st, "q1")
	assert.Equal(t, int64(2), v)
	assert.Equal(t, first, m, "the same data: no move")

	require.NoError(t, engine.ImportPlayers(ctx, st, []store.Player{record(t, "q1", "EUR", "Europe/Malta", nil)}, at))
	m, v = metaOf(t, st, "q1")
	assert.Equal(t, int64(3), v)
	assert.Equal(t, "Europe/Malta", m.Zone)
	assert.True(t, m.ZoneSince.Equal(at))
	assert.True(t, m.First.IsZero(), "never seen")
	sp, _, err := st.Player(ctx, "q1")
	require.NoError(t, err)
	assert.Equal(t, "Europe/Malta", sp.Zone)

	// Imported again in the same zone: no new move.
	require.NoError(t, engine.ImportPlayers(ctx, st, []store.Player{record(t, "q1", "EUR", "Europe/Malta", map[string]any{"vip": true})}, at.Add(day)))
	m, _ = metaOf(t, st, "q1")
	assert.True(t, m.ZoneSince.Equal(at), "zone_since %v", m.ZoneSince)
	assert.Equal(t, map[string]any{"vip": true}, m.Props)

	require.NoError(t, engine.ImportPlayers(ctx, st, []store.Player{record(t, "q1", "EUR", "", nil)}, at.Add(2*day)))
	m, _ = metaOf(t, st, "q1")
	assert.Empty(t, m.Zone)
	assert.True(t, m.ZoneSince.Equal(at.Add(2*day)), "zone_since %v", m.ZoneSince)
	assert.Nil(t, m.Props, "the record's properties, none")
	sp, _, err = st.Player(ctx, "q1")
	require.NoError(t, err)
	assert.Empty(t, sp.Zone)
}

// conflicting is a store on which another writer changes the player's
// data once, between ImportPlayers' read and its write.
type conflicting struct {
	store.Store
	t     *testing.T
	fired atomic.Bool
}

func (c *conflicting) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	if !c.fired.Swap(true) {
		s, err := c.Store.State(ctx, "p1", "@player")
		require.NoError(c.t, err)
		s.Data = []byte(`{"currency":"USD","zone":"Europe/Malta","first":"2026-11-01T00:00:00Z"}`)
		applied, err := c.Store.Apply(ctx, []store.Change{{States: []store.State{s}}})
		require.NoError(c.t, err)
		require.NoError(c.t, applied[0].Err)
	}
	return c.Store.Apply(ctx, changes)
}

// TestImportPlayersConflict: a player another writer changed between the
// import's read and its write is read and imported again, over the
// other's data, and nothing of it is lost.
func TestImportPlayersConflict(t *testing.T) {
	ctx := context.Background()
	e, st := noonEngine(t)
	handle(t, e, playerEv("reg-p1", "p1", utc("2026-11-01T00:00:00Z"), "EUR", "Pacific/Auckland", nil))
	_, before := metaOf(t, st, "p1")
	c := &conflicting{Store: st, t: t}
	moved := utc("2026-11-05T00:00:00Z")
	require.NoError(t, engine.ImportPlayers(ctx, c, []store.Player{record(t, "p1", "EUR", "America/Los_Angeles", nil)}, moved))
	m, v := metaOf(t, st, "p1")
	assert.Equal(t, before+2, v, "the other writer's version, then the import's")
	assert.Equal(t, "America/Los_Angeles", m.Zone)
	assert.Equal(t, "EUR", m.Currency, "the record's, over the other writer's")
	assert.True(t, m.First.Equal(utc("2026-11-01T00:00:00Z")), "the other writer's data read again")
	assert.True(t, m.ZoneSince.Equal(moved), "a move from the other writer's Malta")
}

// importing is a store on which ImportPlayers imports a record once, right
// after the engine's last read of a player (its states, and its record
// when they hold no data of the player's): the engine holds what it read,
// the store the import.
type importing struct {
	store.Store
	t    *testing.T
	rec  store.Player
	done atomic.Bool
}

func (s *importing) importNow(ctx context.Context) {
	if !s.done.Swap(true) {
		require.NoError(s.t, engine.ImportPlayers(ctx, s.Store, []store.Player{s.rec}, utc("2026-11-05T00:00:00Z")))
	}
}

func (s *importing) States(ctx context.Context, id string) ([]store.State, error) {
	states, err := s.Store.States(ctx, id)
	if err == nil && slices.ContainsFunc(states, func(st store.State) bool { return st.Rule == "@player" }) {
		s.importNow(ctx) // the engine reads no record
	}
	return states, err
}

func (s *importing) Player(ctx context.Context, id string) (store.Player, bool, error) {
	sp, ok, err := s.Store.Player(ctx, id)
	if err == nil {
		s.importNow(ctx)
	}
	return sp, ok, err
}

// TestImportRacesFirstEvent: an import that lands between a running
// engine's read of a player it has not seen and the engine's first write
// of the player is not lost: the engine's write conflicts, and it decides
// the event again on the imported data (it wrote its stale data and the
// record it had read over the import's before).
func TestImportRacesFirstEvent(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before []store.Player // imported before the engine reads
	}{
		{"new player", nil},
		{"imported before, same zone", []store.Player{record(t, "q1", "EUR", "Europe/Malta", map[string]any{"vip": false})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			prog, err := program(noonRules)
			require.NoError(t, err)
			st := openStore(t)
			require.NoError(t, engine.ImportPlayers(ctx, st, tc.before, utc("2026-11-04T00:00:00Z")))
			rec := record(t, "q1", "EUR", "Europe/Malta", map[string]any{"vip": true})
			e, err := engine.New(ctx, prog, &importing{Store: st, t: t, rec: rec}, engine.Options{})
			require.NoError(t, err)
			handle(t, e, ev("d1", "q1", "deposit", utc("2026-11-06T10:00:00Z"), "amount", "10"))
			m, _ := metaOf(t, st, "q1")
			assert.Equal(t, "Europe/Malta", m.Zone)
			assert.Equal(t, map[string]any{"vip": true}, m.Props, "the import's properties")
			assert.True(t, m.Latest.Equal(utc("2026-11-06T10:00:00Z")), "the engine's event")
			assert.True(t, m.First.Equal(limits.MinTime), "imported before its first event, decided again after the import: known from before any firing (TestImportedAudienceLate)")
			sp, ok, err := st.Player(ctx, "q1")
			require.NoError(t, err)
			require.True(t, ok)
			assert.JSONEq(t, string(rec.Props), string(sp.Props), "the import's record")
		})
	}
}

// noonEngine is an engine of noonRules on a store of its own.
func noonEngine(t *testing.T) (*engine.Engine, store.Store) {
	t.Helper()
	prog, err := program(noonRules)
	require.NoError(t, err)
	st := openStore(t)
	e, err := engine.New(context.Background(), prog, st, engine.Options{})
	require.NoError(t, err)
	return e, st
}

// TestImportedAudienceLate: a player imported with no events is known
// from the import on, before any firing: in the audience of a firing run
// on time, and of the same firing run late, after the player's first
// event came at or after it (a deposit, or a player event): the late run
// agrees with the on-time one, where it left the player out as one who
// came after the firing.
func TestImportedAudienceLate(t *testing.T) {
	ctx := context.Background()
	firing := utc("2026-11-02T11:00:00Z") // noon in Malta
	for _, first := range []struct {
		name string
		ev   engine.Event
	}{
		{"deposit at the firing", ev("d1", "p1", "deposit", firing, "amount", "10")},
		{"deposit after it", ev("d1", "p1", "deposit", firing.Add(30*time.Minute), "amount", "10")},
		{"player event after it", playerEv("reg-p1", "p1", firing.Add(30*time.Minute), "EUR", "Europe/Malta", nil)},
	} {
		t.Run(first.name, func(t *testing.T) {
			var runs [2][]string
			for i, late := range []bool{false, true} {
				e, st := noonEngine(t)
				_, err := e.Advance(ctx, utc("2026-11-01T12:00:00Z")) // in service
				require.NoError(t, err)
				require.NoError(t, engine.ImportPlayers(ctx, st, []store.Player{record(t, "p1", "EUR", "Europe/Malta", nil)}, utc("2026-11-01T12:00:00Z")))
				var all []engine.Outcome
				if !late {
					outs, err := e.Advance(ctx, firing)
					require.NoError(t, err)
					all = append(all, outs...)
				}
				handle(t, e, first.ev)
				outs, err := e.Advance(ctx, firing.Add(time.Hour))
				require.NoError(t, err)
				runs[i] = fired(append(all, outs...), "noon")
			}
			assert.Equal(t, []string{"p1 Europe/Malta 2026-11-02T12:00 2026-11-02T11:00:00Z issued"}, runs[0], "on time")
			assert.Equal(t, runs[0], runs[1], "late, after the first event")
		})
	}
}

// TestImportPlayersBadID: an import through the Go API with an id that
// store.IDFault refuses (a space at its end, beside a good record) is an
// error naming the id, and stores none of the records.
func TestImportPlayersBadID(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	at := utc("2026-11-05T00:00:00Z")
	err := engine.ImportPlayers(ctx, st, []store.Player{record(t, "q1", "EUR", "Europe/Malta", nil), record(t, "q1 ", "EUR", "Europe/Malta", nil)}, at)
	require.ErrorContains(t, err, `player "q1 ": a space at the end of an id`)
	for _, id := range []string{"q1", "q1 "} {
		_, ok, err := st.Player(ctx, id)
		require.NoError(t, err)
		assert.False(t, ok, "player %q stored", id)
	}
}
