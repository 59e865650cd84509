package engine_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// decoded reads event log lines as promoc run and promoc serve read them.
func decoded(t *testing.T, lines ...string) []engine.Event {
	t.Helper()
	var out []engine.Event
	for _, l := range lines {
		ev, err := engine.DecodeEvent([]byte(l))
		require.NoError(t, err, l)
		out = append(out, ev)
	}
	return out
}

// The deposit every case of TestRedeliveryMeaning starts from, of player P.
const meaningDeposit = `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"EUR","amount":"50.00","method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":3}`

// meaningCases are redeliveries of an event (first, meaningDeposit when
// empty): the same event in other words (same), or another (not same).
var meaningCases = []struct {
	name        string
	first, then string
	same        bool
}{
	{name: "the same text", then: meaningDeposit, same: true},
	{name: "amount 50.0", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"EUR","amount":"50.0","method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":3}`, same: true},
	{name: "amount as a JSON number", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"EUR","amount":50.00,"method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":3}`, same: true},
	{name: "amount 50", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"EUR","amount":50,"method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":3}`, same: true},
	{name: "keys in another order, spaces", then: `{ "count": 3, "bonus": true, "hold": "90m", "at": "2026-11-02T09:00:00Z", "method": "card", "amount": "50.00", "currency": "EUR", "time": "2026-11-02T10:00:00Z", "kind": "deposit", "player": "P", "id": "d1" }`, same: true},
	{name: "time in another zone", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T11:00:00+01:00","currency":"EUR","amount":"50.00","method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":3}`, same: true},
	{name: "time with a zero fraction", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00.000Z","currency":"EUR","amount":"50.00","method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":3}`, same: true},
	{name: "a time attribute in another zone", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"EUR","amount":"50.00","method":"card","at":"2026-11-02T11:00:00+02:00","hold":"90m","bonus":true,"count":3}`, same: true},
	{name: "a duration in other units", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"EUR","amount":"50.00","method":"card","at":"2026-11-02T09:00:00Z","hold":"1h30m","bonus":true,"count":3}`, same: true},
	{name: "a number as text with decimals", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"EUR","amount":"50.00","method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":"3.0"}`, same: true},
	{name: "the player's currency left implied", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","amount":"50.00","method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":3}`, same: true},
	{name: "the implied currency given", first: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","amount":"50.00","method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":3}`,
		then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"EUR","amount":"50.0","method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":3}`, same: true},
	{name: "a player event's property 2.0", first: `{"id":"r2","player":"P","kind":"player","time":"2026-11-02T10:00:00Z","currency":"EUR","zone":"Europe/Malta","properties":{"vip_level":2}}`,
		then: `{"time":"2026-11-02T11:00:00+01:00","kind":"player","properties":{"vip_level":2.0},"zone":"Europe/Malta","id":"r2","player":"P","currency":"EUR"}`, same: true},

	{name: "another amount", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"EUR","amount":"50.01","method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":3}`},
	{name: "another currency", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"USD","amount":"50.00","method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":3}`},
	{name: "another currency than the implied", first: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","amount":"50.00","method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":3}`,
		then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"USD","amount":"50.00","method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":3}`},
	{name: "another string", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"EUR","amount":"50.00","method":"Card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":3}`},
	{name: "another time", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00.001Z","currency":"EUR","amount":"50.00","method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":3}`},
	{name: "another time attribute", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"EUR","amount":"50.00","method":"card","at":"2026-11-02T09:00:00+02:00","hold":"90m","bonus":true,"count":3}`},
	{name: "another duration", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"EUR","amount":"50.00","method":"card","at":"2026-11-02T09:00:00Z","hold":"91m","bonus":true,"count":3}`},
	{name: "another boolean", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"EUR","amount":"50.00","method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":false,"count":3}`},
	{name: "another number", then: `{"id":"d1","player":"P","kind":"deposit","time":"2026-11-02T10:00:00Z","currency":"EUR","amount":"50.00","method":"card","at":"2026-11-02T09:00:00Z","hold":"90m","bonus":true,"count":30}`},
	{name: "another property", first: `{"id":"r2","player":"P","kind":"player","time":"2026-11-02T10:00:00Z","currency":"EUR","properties":{"vip_level":2}}`,
		then: `{"id":"r2","player":"P","kind":"player","time":"2026-11-02T10:00:00Z","currency":"EUR","properties":{"vip_level":3}}`},
	{name: "a player event's currency left out", first: `{"id":"r2","player":"P","kind":"player","time":"2026-11-02T10:00:00Z","currency":"EUR","properties":{"vip_level":2}}`,
		then: `{"id":"r2","player":"P","kind":"player","time":"2026-11-02T10:00:00Z","properties":{"vip_level":2}}`},
}

// TestRedeliveryMeaning: an event id sent again is the same event when it
// means the same (amounts as exact decimals with their currency, times as
// instants, durations as lengths, numbers whether text or JSON numbers,
// keys in any order, the player's currency given or implied): nothing is
// decided again; with another meaning it is refused, naming the field id,
// and nothing of its call is stored. In another call, in the same call, on
// SQLite and on PostgreSQL (when PROMOC_TEST_POSTGRES names a server).
func TestRedeliveryMeaning(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { redeliveryMeaning(t, openStore(t)) })
	t.Run("postgres", func(t *testing.T) { redeliveryMeaning(t, postgresBackend.openAt(t, postgresBackend.fresh(t))) })
}

func redeliveryMeaning(t *testing.T, st store.Store) {
	ctx := context.Background()
	e := engineFor(t, "meaning", st, engine.Options{})
	for i, c := range meaningCases {
		// Each case its own player, registered in EUR.
		p := "p" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		line := func(s string) string {
			return strings.NewReplacer(`"player":"P"`, `"player":"`+p+`"`, `"player": "P"`, `"player":"`+p+`"`).Replace(s)
		}
		first := c.first
		if first == "" {
			first = meaningDeposit
		}
		handle(t, e, playerEv("reg", p, t0.Add(-time.Hour), "EUR", "", nil))
		outs := handle(t, e, decoded(t, line(first))...)
		if !strings.Contains(first, `"kind":"player"`) {
			require.Len(t, outs, 1, c.name)
		}
		for _, call := range []string{"another call", "the same call"} {
			later := "later-" + strings.Fields(call)[0]
			var evs []engine.Event
			if call == "the same call" {
				// Under another id, first sent in the call.
				fresh := func(s string) string {
					return strings.NewReplacer(`"id":"d1"`, `"id":"d2"`, `"id":"r2"`, `"id":"r3"`).Replace(line(s))
				}
				evs = decoded(t, fresh(first), fresh(c.then))
			} else {
				evs = decoded(t, line(c.then))
			}
			evs = append(evs, decoded(t, `{"id":"`+later+`","player":"`+p+`","kind":"ping","time":"2026-11-02T12:00:00Z"}`)...)
			outs, err := e.Handle(ctx, evs)
			if c.same {
				require.NoError(t, err, "%s, %s", c.name, call)
				want := []string{later}
				if call == "the same call" && !strings.Contains(first, `"kind":"player"`) {
					want = []string{"d2", later}
				}
				var got []string
				for _, o := range outs {
					got = append(got, o.Trigger.Event)
				}
				assert.Equal(t, want, got, "%s, %s: the event is decided once", c.name, call)
				continue
			}
			var ee *engine.EventError
			require.ErrorAs(t, err, &ee, "%s, %s", c.name, call)
			assert.Equal(t, "id", ee.Field, c.name)
			assert.Contains(t, err.Error(), "other content", c.name)
			seen, err := st.Seen(ctx, []store.Event{{Player: p, ID: later}})
			require.NoError(t, err)
			assert.Equal(t, store.NotSeen, seen[0], "%s, %s: nothing of the call is stored", c.name, call)
		}
	}
}

// TestRedeliveryAcrossUpgrade: an event recorded by an engine before the
// hash of meaning, with the SHA-256 of its body as sent, is the same event
// when it is sent again in the same words after the upgrade (a duplicate,
// decided once); in other words or with another content it is refused, as
// that engine refused it (its hash says nothing of its meaning). On SQLite
// and PostgreSQL.
func TestRedeliveryAcrossUpgrade(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { redeliveryAcrossUpgrade(t, openStore(t)) })
	t.Run("postgres", func(t *testing.T) { redeliveryAcrossUpgrade(t, postgresBackend.openAt(t, postgresBackend.fresh(t))) })
}

func redeliveryAcrossUpgrade(t *testing.T, st store.Store) {
	ctx := context.Background()
	e := engineFor(t, "meaning", st, engine.Options{})
	handle(t, e, playerEv("reg", "P", t0.Add(-time.Hour), "EUR", "", nil))
	// What the engine before wrote for meaningDeposit: its body (as
	// metajson_test.go pins it) and the body's SHA-256.
	body := `{"k":"deposit","t":"2026-11-02T10:00:00Z","c":"EUR","a":{"amount":"50.00","at":"2026-11-02T09:00:00Z","bonus":true,"count":3,"hold":"90m","method":"card"}}`
	old := sha256.Sum256([]byte(body))
	require.Equal(t, "27038eb1de4cfbaf", hex.EncodeToString(old[:8]), "the hash as the engine before wrote it")
	_, err := st.Apply(ctx, []store.Change{{Event: &store.Event{Player: "P", ID: "d1", Hash: old[:], Kind: "deposit", At: t0, Body: []byte(body)}}})
	require.NoError(t, err)

	outs, err := e.Handle(ctx, decoded(t, meaningDeposit, `{"id":"l1","player":"P","kind":"ping","time":"2026-11-02T11:00:00Z"}`))
	require.NoError(t, err, "the same words: the same event")
	require.Len(t, outs, 1)
	assert.Equal(t, "l1", outs[0].Trigger.Event, "d1 is not decided again")
	for _, other := range []string{
		strings.Replace(meaningDeposit, `"50.00"`, `"50.0"`, 1),
		strings.Replace(meaningDeposit, `"50.00"`, `"60.00"`, 1),
	} {
		_, err := e.Handle(ctx, decoded(t, other))
		var ee *engine.EventError
		require.ErrorAs(t, err, &ee, other)
		assert.Equal(t, "id", ee.Field)
	}
	// A new engine on the same store, as after a restart: the same.
	e2 := engineFor(t, "meaning", st, engine.Options{})
	outs, err = e2.Handle(ctx, decoded(t, meaningDeposit))
	require.NoError(t, err)
	assert.Empty(t, outs)
}
