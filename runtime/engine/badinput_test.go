package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// Bad input on testdata/triggers: each refused event is an *EventError
// naming the event and the field, and nothing of the call is stored.

func TestBadEvents(t *testing.T) {
	good := deposit("good", "p", t0.Add(time.Hour), "100", "card")
	withAttr := func(name string, v any) engine.Event {
		e := deposit("bad", "p", t0.Add(2*time.Hour), "10", "card")
		e.Attrs[name] = v
		return e
	}
	without := func(f func(*engine.Event)) engine.Event {
		e := deposit("bad", "p", t0.Add(2*time.Hour), "10", "card")
		f(&e)
		return e
	}
	cases := []struct {
		name  string
		bad   engine.Event
		id    string // the id the error names ("" for a missing one)
		field string
		msg   string
	}{
		{"unknown kind", ev("bad", "p", "withdrawal", t0.Add(2*time.Hour), "amount", "5"), "bad", "kind", `unknown kind "withdrawal"`},
		{"unknown attribute", withAttr("bonus_code", "X"), "bad", "bonus_code", "deposit has no attribute bonus_code"},
		{"text for money", withAttr("amount", "ten"), "bad", "amount", ""},
		{"a float for money", withAttr("amount", 10.5), "bad", "amount", ""},
		{"a number for a string", withAttr("method", json.Number("3")), "bad", "method", ""},
		{"a bool for money", withAttr("amount", true), "bad", "amount", ""},
		{"an unknown currency", without(func(e *engine.Event) { e.Currency = "XYZ" }), "bad", "currency", ""},
		{"no id", without(func(e *engine.Event) { e.ID = "" }), "", "id", "missing"},
		{"no player", without(func(e *engine.Event) { e.Player = "" }), "bad", "player", "missing"},
		{"a player id with a tab", without(func(e *engine.Event) { e.Player = "p\t1" }), "bad", "player", "U+0009, a control character"},
		{"a player id with a space after it", without(func(e *engine.Event) { e.Player = "p " }), "bad", "player", "a space at the end"},
		{"a player id with a space before it", without(func(e *engine.Event) { e.Player = "\u00a0p" }), "bad", "player", "a space at the start"},
		{"a player id with an invisible character", without(func(e *engine.Event) { e.Player = "p\u200b" }), "bad", "player", "U+200B, an invisible character"},
		{"a player id with a bidirectional control", without(func(e *engine.Event) { e.Player = "\u202ep" }), "bad", "player", "U+202E"},
		{"an event id with a line break", without(func(e *engine.Event) { e.ID = "bad\n" }), "bad\n", "id", "U+000A, a control character"},
		{"no time", without(func(e *engine.Event) { e.Time = time.Time{} }), "bad", "time", "missing"},
		{"a time out of range", without(func(e *engine.Event) { e.Time = time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC) }), "bad", "time", "outside the range"},
		{"properties on a deposit", without(func(e *engine.Event) { e.Properties = props("vip_level", json.Number("1")) }), "bad", "properties", ""},
		{"attributes on a player event", playerEv("bad", "p", t0, "EUR", "", nil), "bad", "kind", ""},
		{"a property of the wrong type", playerEv("bad", "p", t0, "", "", props("vip_level", "high")), "bad", "properties.vip_level", ""},
		{"a float property", playerEv("bad", "p", t0, "", "", props("vip_level", 2.5)), "bad", "properties.vip_level", ""},
		{"an unknown zone", playerEv("bad", "p", t0, "", "Mars/Olympus", nil), "bad", "zone", ""},
		{"an unknown player currency", playerEv("bad", "p", t0, "XYZ", "", nil), "bad", "currency", ""},
		{"the same id with other content in the call", deposit("good", "p", t0.Add(time.Hour), "101", "card"), "good", "id", "other content"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t)
			// BatchSize 1: a bad event is found before any batch is written.
			e := engineFor(t, "triggers", st, engine.Options{BatchSize: 1})
			if c.name == "attributes on a player event" {
				c.bad.Attrs = map[string]any{"amount": json.Number("1")}
			}
			outs, err := e.Handle(ctx, []engine.Event{eur("p", t0), good, c.bad})
			require.Error(t, err)
			assert.Empty(t, outs)
			var ee *engine.EventError
			require.True(t, errors.As(err, &ee), "%T %v", err, err)
			assert.Equal(t, 2, ee.Index, err.Error())
			assert.Equal(t, c.id, ee.ID, err.Error())
			assert.Equal(t, c.field, ee.Field, err.Error())
			assert.Contains(t, err.Error(), c.msg)
			if c.id != "" {
				assert.Contains(t, err.Error(), "event "+strconv.Quote(c.id))
			}
			assertNothingStored(t, st, "p", "reg-p", "good")
			// The good events alone go through afterwards.
			outs, err = e.Handle(ctx, []engine.Event{eur("p", t0), good})
			require.NoError(t, err)
			assert.Equal(t, []string{"big_deposit p issued 5.00 EUR", "first_card_deposit p issued 5.00 EUR"}, brief(outs))
		})
	}
}

// assertNothingStored checks that the store holds nothing of a player.
func assertNothingStored(t *testing.T, st store.Store, player string, ids ...string) {
	t.Helper()
	ctx := context.Background()
	q := make([]store.Event, len(ids))
	for i, id := range ids {
		q[i] = store.Event{Player: player, ID: id}
	}
	seen, err := st.Seen(ctx, q)
	require.NoError(t, err)
	for i, s := range seen {
		assert.Equal(t, store.NotSeen, s, "event %s", ids[i])
	}
	states, err := st.States(ctx, player)
	require.NoError(t, err)
	assert.Empty(t, states)
	outs, err := st.Outcomes(ctx, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, outs)
	_, ok, err := st.Player(ctx, player)
	require.NoError(t, err)
	assert.False(t, ok)
}

// Undeclared properties are ignored, as in promoc eval's input (spec.md
// section 12): a host sends the profile it has.
func TestUndeclaredProperty(t *testing.T) {
	e := engineFor(t, "triggers", openStore(t), engine.Options{})
	outs := handle(t, e, playerEv("reg", "p", t0, "EUR", "", props("shoe_size", json.Number("44"), "vip_level", json.Number("2"))),
		deposit("d1", "p", t0, "100", "card"))
	assert.Len(t, outs, 2)
}

// An id handled before with other content is refused; with the same
// content it gives nothing.
func TestDuplicateIDs(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	e := engineFor(t, "triggers", st, engine.Options{})
	first := handle(t, e, eur("p", t0), deposit("d1", "p", t0.Add(time.Minute), "100", "card"))
	require.Len(t, first, 2)
	for _, again := range [][]engine.Event{
		{deposit("d1", "p", t0.Add(time.Minute), "100", "card")},
		{eur("p", t0), deposit("d1", "p", t0.Add(time.Minute), "100", "card")},
		{deposit("d1", "p", t0.Add(time.Minute), "100", "card"), deposit("d1", "p", t0.Add(time.Minute), "100", "card")},
	} {
		outs, err := e.Handle(ctx, again)
		require.NoError(t, err)
		assert.Empty(t, outs)
	}
	// The same instant written in another zone is the same content.
	malta, err := time.LoadLocation("Europe/Malta")
	require.NoError(t, err)
	outs, err := e.Handle(ctx, []engine.Event{deposit("d1", "p", t0.Add(time.Minute).In(malta), "100", "card")})
	require.NoError(t, err, "an instant is an instant")
	assert.Empty(t, outs)
	for name, other := range map[string]engine.Event{
		"amount": deposit("d1", "p", t0.Add(time.Minute), "100.01", "card"),
		"time":   deposit("d1", "p", t0.Add(2*time.Minute), "100", "card"),
		"kind":   ev("d1", "p", "bet", t0.Add(time.Minute), "amount", "100", "game", "card"),
		"currency": func() engine.Event {
			e := deposit("d1", "p", t0.Add(time.Minute), "100", "card")
			e.Currency = "USD"
			return e
		}(),
	} {
		_, err := e.Handle(ctx, []engine.Event{deposit("d2", "p", t0.Add(time.Hour), "100", "card"), other})
		var ee *engine.EventError
		require.True(t, errors.As(err, &ee), "%s: %v", name, err)
		assert.Equal(t, "d1", ee.ID)
		assert.Contains(t, err.Error(), "other content", name)
		seen, err := st.Seen(ctx, []store.Event{{Player: "p", ID: "d2"}})
		require.NoError(t, err)
		assert.Equal(t, store.NotSeen, seen[0], "%s: nothing of the call is stored", name)
	}
	// Ids are per player: another player's d1 is another event.
	outs = handle(t, e, eur("q", t0), deposit("d1", "q", t0.Add(time.Minute), "100", "card"))
	assert.Len(t, outs, 2)
}

// An event older than the player's latest by more than the lateness bound
// is refused; within it, it is taken.
func TestLateness(t *testing.T) {
	ctx := context.Background()
	latest := t0.Add(2 * day)
	cases := []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"by more than the bound", latest.Add(-day - time.Nanosecond), false},
		{"by exactly the bound", latest.Add(-day), true},
		{"within the bound", latest.Add(-time.Hour), true},
		{"at the same time", latest, true},
	}
	for _, c := range cases {
		for _, split := range []bool{false, true} {
			name := c.name + ", in one call"
			if split {
				name = c.name + ", in the next call"
			}
			t.Run(name, func(t *testing.T) {
				st := openStore(t)
				e := engineFor(t, "triggers", st, engine.Options{Lateness: day})
				evs := []engine.Event{eur("p", t0), login("l1", "p", latest)}
				if split {
					handle(t, e, evs...)
					evs = nil
				}
				evs = append(evs, deposit("late", "p", c.at, "100", "card"))
				outs, err := e.Handle(ctx, evs)
				if c.ok {
					require.NoError(t, err)
					assert.Contains(t, brief(outs), "big_deposit p issued 5.00 EUR")
					return
				}
				var ee *engine.EventError
				require.True(t, errors.As(err, &ee), "%v", err)
				assert.Equal(t, "late", ee.ID)
				assert.Equal(t, "time", ee.Field)
				assert.Contains(t, err.Error(), "lateness bound")
				if !split {
					assertNothingStored(t, st, "p", "reg-p", "l1", "late")
				}
			})
		}
	}
}

// A redelivery of an event handled long ago is a duplicate, not a late
// event: it gives nothing, without an error.
func TestRedeliveryBeyondLateness(t *testing.T) {
	e := engineFor(t, "triggers", openStore(t), engine.Options{Lateness: day})
	old := deposit("d1", "p", t0, "100", "card")
	handle(t, e, eur("p", t0), old, login("l1", "p", t0.Add(30*day)))
	outs, err := e.Handle(context.Background(), []engine.Event{old, login("l2", "p", t0.Add(31*day))})
	require.NoError(t, err)
	assert.Empty(t, brief(only(outs, []string{"big_deposit", "first_card_deposit"})))
}

// A player event is not activity: it does not move the player's latest
// event, in one call or across calls.
func TestLatenessPlayerEvent(t *testing.T) {
	for _, split := range []bool{false, true} {
		e := engineFor(t, "triggers", openStore(t), engine.Options{Lateness: day})
		evs := []engine.Event{eur("p", t0), login("l1", "p", t0), playerEv("u1", "p", t0.Add(3*day), "", "Europe/Malta", nil)}
		if split {
			handle(t, e, evs...)
			evs = nil
		}
		evs = append(evs, deposit("d1", "p", t0.Add(time.Hour), "100", "card"))
		outs, err := e.Handle(context.Background(), evs)
		require.NoError(t, err, "split %v", split)
		assert.Contains(t, brief(outs), "big_deposit p issued 5.00 EUR")
	}
}

// A database that is not promoc's, or a promoc database damaged on disk,
// is refused with an error: never a panic, and the file is left as it was.
func TestCorruptDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	require.NoError(t, os.WriteFile(junk, []byte(strings.Repeat("not a database ", 1000)), 0o600))
	_, err := sqlite.Open(ctx, junk)
	require.ErrorIs(t, err, store.ErrNotOurs)
	b, err := os.ReadFile(junk)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("not a database ", 1000), string(b), "left untouched")

	// A promoc database whose pages were overwritten after its header.
	path := filepath.Join(dir, "promoc.db")
	st, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	e, err := engine.New(ctx, compile(t, "testdata/triggers"), st, engine.Options{})
	require.NoError(t, err)
	handle(t, e, eur("p", t0), deposit("d1", "p", t0, "100", "card"))
	require.NoError(t, st.Close())
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	fi, err := f.Stat()
	require.NoError(t, err)
	garbage := []byte(strings.Repeat("\xff\x00garbage", 512))
	for off := int64(4096); off < fi.Size(); off += 8192 {
		_, err := f.WriteAt(garbage, off)
		require.NoError(t, err)
	}
	require.NoError(t, f.Close())
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("panic on a damaged database: %v", r)
			}
		}()
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Logf("refused at open: %v", err)
			return
		}
		defer st.Close()
		e, err := engine.New(ctx, compile(t, "testdata/triggers"), st, engine.Options{})
		if err != nil {
			t.Logf("refused by the engine: %v", err)
			return
		}
		_, err = e.Handle(ctx, []engine.Event{deposit("d2", "p", t0.Add(time.Minute), "100", "card")})
		require.Error(t, err, "a damaged database cannot give outcomes")
		t.Logf("refused at the first call: %v", err)
	}()
}

// An event log's bad lines: each error names the line, the event when its
// id was read, and the field.
func TestDecodeEventsBadLines(t *testing.T) {
	const good = `{"id":"g","player":"p","kind":"deposit","time":"2026-11-02T10:00:00Z","amount":10,"method":"card"}`
	cases := []struct {
		name, line, want string
	}{
		{"not an object", `[1,2]`, "line 2: "},
		{"no time", `{"id":"a","player":"p","kind":"deposit","amount":10,"method":"card"}`, `line 2: time: missing`},
		{"a time that is not RFC 3339", `{"id":"a","player":"p","kind":"deposit","time":"yesterday","amount":10,"method":"card"}`, `line 2: time: invalid time "yesterday"`},
		{"no player", `{"id":"a","kind":"deposit","time":"2026-11-02T10:00:00Z","amount":10,"method":"card"}`, `line 2: event "a": player: missing`},
		{"a player that is not text", `{"id":"a","player":7,"kind":"deposit","time":"2026-11-02T10:00:00Z","amount":10,"method":"card"}`, `line 2: event "a": player: want a string, got 7`},
		{"a repeated key", `{"id":"a","player":"p","kind":"deposit","time":"2026-11-02T10:00:00Z","amount":10,"amount":11,"method":"card"}`, `line 2: amount: repeated key`},
		{"a property that is a list", `{"id":"a","player":"p","kind":"player","time":"2026-11-02T10:00:00Z","properties":{"vip_level":[1]}}`, `line 2: event "a": properties.vip_level: a property is a number, a string, a boolean or null`},
		{"an attribute on a player event", `{"id":"a","player":"p","kind":"player","time":"2026-11-02T10:00:00Z","amount":5}`, `line 2: a player event: unknown field "amount"`},
		{"an unknown zone", `{"id":"a","player":"p","kind":"player","time":"2026-11-02T10:00:00Z","zone":"Mars/Olympus"}`, `line 2: event "a": zone: unknown time zone "Mars/Olympus"`},
		{"malformed JSON", `{"id":"a",`, `line 2: malformed JSON at column 11 (byte 10)`},
		{"a line too long", `{"id":"` + strings.Repeat("x", 70_000) + `"}`, `line 2: longer than 65536 bytes: an event is one line of at most that`},
		{"an unknown currency", `{"id":"a","player":"p","kind":"player","time":"2026-11-02T10:00:00Z","currency":"XYZ"}`, `line 2: event "a": currency: unknown currency "XYZ"`},
		{"a player event without a time", `{"id":"a","player":"p","kind":"player","zone":"Europe/Malta"}`, `line 2: event "a": time: missing: expected an RFC 3339 time`},
		{"a player event's bad time", `{"id":"a","player":"p","kind":"player","time":"2026-11-02 10:00:00Z"}`, `line 2: event "a": time: invalid time "2026-11-02 10:00:00Z": want RFC 3339`},
		{"a player event's time out of range", `{"id":"a","player":"p","kind":"player","time":"2200-01-01t00:00:00z"}`, `line 2: event "a": time: out of range`},
		// Bytes that are not UTF-8 would be U+FFFD in silence: two ids, or
		// two players, sent as one.
		{"a player event's id not UTF-8", "{\"id\":\"a\xffb\",\"player\":\"p\",\"kind\":\"player\",\"time\":\"2026-11-02T10:00:00Z\"}", `line 2: bytes that are not UTF-8 at column 9: an event is UTF-8 text`},
		{"a player event's player not UTF-8", "{\"id\":\"a\",\"player\":\"p\xfe\",\"kind\":\"player\",\"time\":\"2026-11-02T10:00:00Z\",\"zone\":\"Europe/Malta\"}", `line 2: bytes that are not UTF-8 at column 22: an event is UTF-8 text`},
		{"a player event's property not UTF-8", "{\"id\":\"a\",\"player\":\"p\",\"kind\":\"player\",\"time\":\"2026-11-02T10:00:00Z\",\"properties\":{\"n\":\"\xc3\"}}", `line 2: bytes that are not UTF-8 at column`},
		{"an event's id not UTF-8", "{\"id\":\"a\xffb\",\"player\":\"p\",\"kind\":\"deposit\",\"time\":\"2026-11-02T10:00:00Z\",\"amount\":10,\"method\":\"card\"}", `line 2: malformed JSON at column 8 (byte 7): invalid UTF-8 in a string`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []engine.Event
			err := engine.DecodeEvents(strings.NewReader(good+"\n"+c.line+"\n"+good+"\n"), func(_ int, ev engine.Event) error {
				got = append(got, ev)
				return nil
			})
			require.Error(t, err)
			var ee *engine.EventError
			require.True(t, errors.As(err, &ee), "%T %v", err, err)
			assert.Equal(t, 2, ee.Line)
			assert.Contains(t, err.Error(), c.want)
			assert.Len(t, got, 1, "the reading stops at the bad line")
		})
	}
	// RFC 3339 allows the T and the Z in lower case (section 5.6, NOTE): an
	// event and a player event read them as the same instant.
	for _, line := range []string{
		`{"id":"a","player":"p","kind":"deposit","time":"2026-11-02t10:00:00z","amount":10,"method":"card"}`,
		`{"id":"a","player":"p","kind":"deposit","time":"2026-11-02t11:00:00+01:00","amount":10,"method":"card"}`,
		`{"id":"a","player":"p","kind":"player","time":"2026-11-02t10:00:00z","zone":"Europe/Malta"}`,
		`{"id":"a","player":"p","kind":"player","time":"2026-11-02T10:00:00z"}`,
	} {
		ev, err := engine.DecodeEvent([]byte(line))
		require.NoError(t, err, line)
		assert.True(t, ev.Time.Equal(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)), "%s: %v", line, ev.Time)
	}
	// Numbers keep their exact text; an exponent or text is refused when
	// handled, naming the attribute.
	e := engineFor(t, "triggers", openStore(t), engine.Options{})
	for line, want := range map[string]string{
		`{"id":"a","player":"p","kind":"deposit","time":"2026-11-02T10:00:00Z","amount":1e3,"method":"card"}`:       `event "a": amount: invalid number "1e3"`,
		`{"id":"a","player":"p","kind":"deposit","time":"2026-11-02T10:00:00Z","amount":"ten","method":"card"}`:     `event "a": amount: invalid number "ten"`,
		`{"id":"a","player":"p","kind":"deposit","time":"2026-11-02T10:00:00Z","amount":10,"method":7}`:             `event "a": method: want a string, got a number`,
		`{"id":"a","player":"p","kind":"deposit","time":"2026-11-02T10:00:00Z","amount":10,"method":"c","bonus":1}`: `event "a": bonus: deposit has no attribute bonus`,
		`{"player":"p","kind":"deposit","time":"2026-11-02T10:00:00Z","amount":10,"method":"card"}`:                 `event 0: id: missing`,
	} {
		ev, err := engine.DecodeEvent([]byte(line))
		require.NoError(t, err, line)
		_, err = e.Handle(context.Background(), []engine.Event{ev})
		require.Error(t, err, line)
		assert.Contains(t, err.Error(), want)
	}
	ev, err := engine.DecodeEvent([]byte(`{"id":"a","player":"p","kind":"deposit","time":"2026-11-02T10:00:00Z","amount":10.5,"method":"card"}`))
	require.NoError(t, err)
	assert.Equal(t, json.Number("10.5"), ev.Attrs["amount"], "a JSON number is exact text, never a float")
}

// inEUR is ev in EUR.
func inEUR(ev engine.Event) engine.Event { ev.Currency = "EUR"; return ev }

// A property currency, zone or id of a player event that contradicts the
// player's field, as the stored data and the call's earlier events leave
// it, is refused when the event comes (not when a reward runs), naming
// the event and the field; nothing of the call is stored.
func TestPlayerEventOwnFields(t *testing.T) {
	cases := []struct {
		name  string
		evs   []engine.Event // after p's registration in EUR, stored
		index int
		field string
		msg   string
	}{
		{"a property currency not the player's", []engine.Event{playerEv("u1", "p", t0, "", "", props("currency", "USD"))},
			0, "properties.currency", `"USD" differs from player.currency "EUR"`},
		{"a currency not the stored property's", []engine.Event{playerEv("u1", "p", t0, "", "", props("currency", "EUR")), playerEv("u2", "p", t0.Add(time.Hour), "USD", "", nil)},
			1, "currency", `"EUR" differs from player.currency "USD"`},
		{"a zone not the property's", []engine.Event{playerEv("u1", "p", t0, "", "Europe/Malta", props("zone", "Asia/Tokyo"))},
			0, "properties.zone", `"Asia/Tokyo" differs from player.zone "Europe/Malta"`},
		{"an id not the player's", []engine.Event{deposit("d1", "p", t0, "100", "card"), playerEv("u1", "p", t0, "", "", props("id", "q"))},
			1, "properties.id", `"q" differs from player.id "p"`},
		// A player without a currency takes its first from a transaction.
		{"a first currency not the property's", []engine.Event{playerEv("u1", "q", t0, "", "", props("currency", "USD")), inEUR(deposit("d1", "q", t0.Add(time.Hour), "100", "card"))},
			1, "currency", `"USD" differs from player.currency "EUR"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t)
			e := engineFor(t, "triggers", st, engine.Options{})
			handle(t, e, eur("p", t0))
			before, err := e.State(ctx, "p")
			require.NoError(t, err)
			outs, err := e.Handle(ctx, c.evs)
			require.Error(t, err)
			assert.Empty(t, outs)
			var ee *engine.EventError
			require.True(t, errors.As(err, &ee), "%T %v", err, err)
			assert.Equal(t, c.index, ee.Index, err.Error())
			assert.Equal(t, c.field, ee.Field, err.Error())
			assert.Contains(t, err.Error(), c.msg)
			after, err := e.State(ctx, "p")
			require.NoError(t, err)
			assert.Equal(t, before, after, "nothing of the call is stored")
		})
	}
	// Repeating the field, or a property where the player has no such
	// field, is no contradiction.
	e := engineFor(t, "triggers", openStore(t), engine.Options{})
	handle(t, e, eur("p", t0), playerEv("u1", "p", t0, "", "", props("currency", "EUR", "id", "p", "zone", "Europe/Malta")))
}
