package engine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/vm/currency"
)

// KindPlayer is the kind of an event that sets a player's data (currency,
// zone, properties) rather than recording a transaction.
const KindPlayer = "player"

// Event is one event of one player: a transaction of a declared kind
// (shaped as promoc eval's transactions) or, of kind "player", an update of
// the player's data.
type Event struct {
	ID     string
	Player string
	Kind   string
	Time   time.Time
	// Currency of the event's money attributes; "" means the player's at
	// the event's time (the engine records the event in it).
	Currency string
	// Attrs holds the declared attributes by name, valued as
	// runtime.Transaction.Attrs are (json.Number, decimal text, strings,
	// booleans, RFC 3339 times, durations as text).
	Attrs map[string]any

	// For kind "player": the player's currency, zone and properties. A
	// property update replaces the properties named and keeps the others;
	// "" keeps the currency or the zone.
	Zone       string
	Properties map[string]any
}

// EventError is an event the engine refuses. Nothing of the call that
// carried it was stored.
type EventError struct {
	Line  int    // the line of an event log, when decoding one; 0 otherwise
	Index int    // the index of the event in the call, when handling
	ID    string // the event's id, when known
	Field string // the field at fault; "" for the whole event
	Msg   string
}

func (e *EventError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.ID != "" {
		fmt.Fprintf(&b, "event %q: ", e.ID)
	} else if e.Line == 0 {
		fmt.Fprintf(&b, "event %d: ", e.Index)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// maxEventLine bounds one line of an event log.
const maxEventLine = limits.StringBytes * 64

// DecodeEvents reads an event log: JSON lines, each an object shaped as a
// transaction of promoc eval's input plus "player", the player's id. Kind
// "player" lines carry "currency", "zone" and "properties" instead of
// attributes. The reading is strict (exact keys, no duplicate keys, exact
// decimals); every error names the line and the field. fn is called for each
// event in order; an error from fn stops the reading and is returned.
func DecodeEvents(r io.Reader, fn func(line int, ev Event) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxEventLine)
	n := 1
	for ; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		ev, err := DecodeEvent(line)
		if err != nil {
			var ee *EventError
			if errors.As(err, &ee) {
				ee.Line = n
				// The line is the log's, not the object's first.
				ee.Msg = strings.Replace(ee.Msg, " at line 1, column ", " at column ", 1)
			}
			return err
		}
		if err := fn(n, ev); err != nil {
			return err
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return &EventError{Line: n, Msg: fmt.Sprintf("longer than %d bytes: an event is one line of at most that", maxEventLine)}
	} else if err != nil {
		return &EventError{Line: n, Msg: "reading the event log: " + err.Error()}
	}
	return nil
}

// DecodeEvent reads one event from one JSON object.
func DecodeEvent(line []byte) (Event, error) {
	if i := runtime.NULOffset(line); i >= 0 {
		return Event{}, &EventError{Msg: fmt.Sprintf("a NUL character (\\u0000) in a string at column %d: no text of an event may hold one", i+1)}
	}
	t, err := runtime.DecodeTransaction(line)
	if err != nil {
		var ie *runtime.InputError
		if errors.As(err, &ie) {
			if pe, ok := decodePlayerEvent(line); ok {
				return pe.ev, pe.err
			}
			return Event{}, &EventError{Field: ie.Field, Msg: ie.Msg}
		}
		return Event{}, err
	}
	if t.Kind == KindPlayer {
		pe, _ := decodePlayerEvent(line)
		return pe.ev, pe.err
	}
	ev := Event{ID: t.ID, Kind: t.Kind, Time: t.Time, Currency: t.Currency, Attrs: t.Attrs}
	raw, present := t.Attrs["player"]
	p, ok := raw.(string)
	switch {
	case present && !ok:
		return Event{}, &EventError{ID: ev.ID, Field: "player", Msg: fmt.Sprintf("want a string, got %v: a player's id is text, as \"player\": \"p-1001\"", raw)}
	case p == "":
		return Event{}, &EventError{ID: ev.ID, Field: "player", Msg: "missing: every event names its player, as \"player\": \"p-1001\""}
	}
	delete(ev.Attrs, "player")
	ev.Player = p
	return ev, nil
}

type playerEvent struct {
	ev  Event
	err error
}

// decodePlayerEvent reads a kind "player" line; ok is false when the line
// is not one.
func decodePlayerEvent(line []byte) (playerEvent, bool) {
	var probe struct {
		Kind string `json:"kind"`
	}
	if json.Unmarshal(line, &probe) != nil || probe.Kind != KindPlayer {
		return playerEvent{}, false
	}
	var doc struct {
		ID         string                     `json:"id"`
		Player     string                     `json:"player"`
		Kind       string                     `json:"kind"`
		Time       string                     `json:"time"`
		Currency   string                     `json:"currency"`
		Zone       string                     `json:"zone"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	fail := func(id, field, msg string) (playerEvent, bool) {
		return playerEvent{err: &EventError{ID: id, Field: field, Msg: msg}}, true
	}
	if i := runtime.BadUTF8Offset(line); i >= 0 {
		// encoding/json would make them U+FFFD in silence: another id, or
		// another player, than the one sent (a transaction's reader
		// refuses them in its own words).
		return fail("", "", fmt.Sprintf("bytes that are not UTF-8 at column %d: an event is UTF-8 text", i+1))
	}
	if err := dec.Decode(&doc); err != nil {
		return fail("", "", "a player event: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	if doc.ID == "" {
		return fail("", "id", "missing: every event has an id")
	}
	if doc.Player == "" {
		return fail(doc.ID, "player", "missing: every event names its player")
	}
	if doc.Time == "" {
		return fail(doc.ID, "time", "missing: expected an RFC 3339 time such as 2026-11-23T10:00:00Z")
	}
	t, err := runtime.ParseTime(doc.Time)
	if err != nil {
		return fail(doc.ID, "time", err.Error())
	}
	if doc.Currency != "" {
		if _, ok := currency.Parse(doc.Currency); !ok {
			return fail(doc.ID, "currency", "unknown currency "+strconv.Quote(doc.Currency))
		}
	}
	if doc.Zone != "" {
		if _, err := time.LoadLocation(doc.Zone); err != nil {
			return fail(doc.ID, "zone", "unknown time zone "+strconv.Quote(doc.Zone))
		}
	}
	ev := Event{ID: doc.ID, Player: doc.Player, Kind: KindPlayer, Time: t, Currency: doc.Currency, Zone: doc.Zone}
	if len(doc.Properties) > 0 {
		ev.Properties = make(map[string]any, len(doc.Properties))
		for name, raw := range doc.Properties {
			v, err := propertyValue(raw)
			if err != nil {
				return fail(doc.ID, "properties."+name, err.Error())
			}
			ev.Properties[name] = v
		}
	}
	return playerEvent{ev: ev}, true
}

// propertyValue reads a property's JSON value: a number keeps its exact
// text, a string, a boolean or null (the property removed).
func propertyValue(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	switch v.(type) {
	case nil, json.Number, string, bool:
		return v, nil
	}
	return nil, errors.New("a property is a number, a string, a boolean or null, not " + string(raw))
}

// record is an event as the store keeps it for history: its body is the
// JSON of this struct, and its hash the SHA-256 of the body.
type record struct {
	Kind     string         `json:"k"`
	Time     time.Time      `json:"t"`
	Currency string         `json:"c,omitempty"`
	Attrs    map[string]any `json:"a,omitempty"`
	Zone     string         `json:"z,omitempty"`
	Props    map[string]any `json:"p,omitempty"`
}

// body is the event's body as it was sent, as stored for the windows.
// Maps are written with sorted keys, so equal events give equal bytes.
func (ev *Event) body() []byte {
	buf := ev.appendBody(ev.Currency, 0)
	return buf[:len(buf):len(buf)]
}

// appendBody gives the event's body with cur as the currency of its money,
// in a buffer with room for spare bytes more. The body is what
// encoding/json writes for the record; appendRecord writes it without
// reflection when it knows every value.
func (ev *Event) appendBody(cur string, spare int) []byte {
	r := record{Kind: ev.Kind, Time: ev.Time.UTC(), Currency: cur, Attrs: ev.Attrs, Zone: ev.Zone, Props: ev.Properties}
	if buf, ok := appendRecord(make([]byte, 0, recordSize(&r)+spare), &r); ok {
		return buf
	}
	body, err := json.Marshal(r)
	if err != nil {
		panic("engine: encoding an event: " + err.Error()) // values come from the decoder or were checked
	}
	return body
}

// decodeRecord reads a stored body back into a transaction.
func decodeRecord(id string, body []byte) (runtime.Transaction, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var r record
	if err := dec.Decode(&r); err != nil {
		return runtime.Transaction{}, fmt.Errorf("stored event %q: %w", id, err)
	}
	return runtime.Transaction{ID: id, Kind: r.Kind, Time: r.Time, Currency: r.Currency, Attrs: r.Attrs}, nil
}

// sortedKeys is the keys of a map in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
