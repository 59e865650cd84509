package engine

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime/store"
)

// TestAppendMeta checks that appendMeta writes what encoding/json writes
// for playerMeta, and that it knows every field.
func TestAppendMeta(t *testing.T) {
	if n := reflect.TypeFor[playerMeta]().NumField(); n != 7 {
		t.Fatalf("playerMeta has %d fields, appendMeta writes 7: write the new ones in appendMeta and here", n)
	}
	t1 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	t2 := time.Date(2026, 11, 3, 10, 0, 0, 123456789, time.UTC)
	malta, _ := time.LoadLocation("Europe/Malta")
	for _, m := range []playerMeta{
		{},
		{Currency: "EUR"},
		{Zone: "Europe/Malta", Latest: t1},
		{Currency: "USD", Zone: "America/New_York", Props: map[string]any{"vip_level": json.Number("3"), "country": "MT", "kyc": true, "old": false},
			Latest: t2, Kinds: map[string]time.Time{"deposit": t1, "bet": t2, "login": t1.In(malta)}, First: t1},
		{Props: map[string]any{"quote\"d": "a<b>&c", "ünï": "çödé", "ctl": "a\nb\tc\u2028", "n": json.Number("-12.5000")}},
		{Kinds: map[string]time.Time{"win": t2.In(malta)}, First: t2},
		{Zone: "America/Los_Angeles", First: t1, ZoneSince: t2},
		{Props: map[string]any{"empty": json.Number(""), "none": nil, "exp": json.Number("1.5E+3")}},
	} {
		want, err := json.Marshal(&m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendMeta(nil, &m)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("appendMeta:\n got %s\nwant %s", got, want)
		}
		keys := ""
		for k, v := range m.Props {
			keys += k + fmt.Sprint(v)
		}
		if plain(m.Currency+m.Zone+keys) && len(got) > metaSize(&m) {
			t.Errorf("metaSize %d for the %d bytes of %s", metaSize(&m), len(got), got)
		}
	}
}

// plain reports whether s is printable ASCII that JSON writes as it is.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// TestAppendRuleState checks that appendRuleState writes what
// encoding/json writes for ruleState, and that it knows every field.
func TestAppendRuleState(t *testing.T) {
	if n := reflect.TypeFor[ruleState]().NumField(); n != 15 {
		t.Fatalf("ruleState has %d fields, appendRuleState writes 15: write the new ones in appendRuleState and here", n)
	}
	t1 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	t2 := time.Date(2026, 11, 3, 10, 0, 0, 123456789, time.UTC)
	malta, _ := time.LoadLocation("Europe/Malta")
	all := ruleState{Count: 49, BatchFirst: t1, BatchLast: t2, BatchSkip: 2, QualifiedAt: t1.In(malta), QualRewards: 3, QualSkip: 4,
		EnteredAt: t2, EnterSkip: 5, Rewards: []time.Time{t1, t2}, Messages: []time.Time{t2.In(malta)}, InactiveFor: t1, Done: true,
		Run: "0123abcd", Entered: "quote\"d <&> ünï\n"}
	states := []ruleState{{}, all, {Count: -1}, {Done: true}, {Rewards: []time.Time{}}, {Messages: []time.Time{t1}}, {Entered: "x"}}
	// Each field alone, and every field but one.
	v := reflect.ValueOf(all)
	for i := range v.NumField() {
		var one ruleState
		reflect.ValueOf(&one).Elem().Field(i).Set(v.Field(i))
		but := all
		reflect.ValueOf(&but).Elem().Field(i).SetZero()
		states = append(states, one, but)
	}
	for _, s := range states {
		want, err := json.Marshal(&s)
		if err != nil {
			t.Fatal(err)
		}
		got := appendRuleState(nil, &s)
		if string(got) != string(want) {
			t.Errorf("appendRuleState:\n got %s\nwant %s", got, want)
		}
		if plain(s.Run+s.Entered) && len(got) > ruleStateSize(&s) {
			t.Errorf("ruleStateSize %d for the %d bytes of %s", ruleStateSize(&s), len(got), got)
		}
	}
}

// TestChanged checks the states a change writes: meta first, then the
// dirty rules by name, each the JSON of appendMeta or appendRuleState, in
// one buffer sized for them (for strings without escapes) whose parts do
// not overlap; the versions move on and nothing stays dirty.
func TestChanged(t *testing.T) {
	t1 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	t2 := time.Date(2026, 11, 3, 10, 0, 0, 123456789, time.UTC)
	malta, _ := time.LoadLocation("Europe/Malta")
	p := &player{id: "p1", metaVer: 4, rules: map[string]*ruleState{}, versions: map[string]int64{"b": 7}, dirty: map[string]bool{}}
	p.meta = playerMeta{Currency: "EUR", Zone: "Europe/Malta", Props: map[string]any{"vip_level": json.Number("3"), "country": "MT", "kyc": true},
		Latest: t2, Kinds: map[string]time.Time{"deposit": t1, "bet": t2.In(malta), "login": t1}, First: t1}
	p.rules["b"] = &ruleState{Count: 3, BatchFirst: t1, BatchLast: t2.In(malta), Rewards: []time.Time{t1, t2, t2}, Messages: []time.Time{t1}, Run: "0123abcd"}
	p.rules["a"] = &ruleState{Done: true, QualifiedAt: t2, QualRewards: 12, EnteredAt: t1, InactiveFor: t2, Entered: "feedbeef"}
	p.dirty["b"], p.dirty["a"], p.dirty["gone"] = true, true, true
	prior := []store.State{{Player: "other", Rule: "x"}}
	states, err := p.changed(prior)
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 5 || states[0].Rule != "x" {
		t.Fatalf("changed appended %d states to 1: %+v", len(states), states)
	}
	meta, _ := appendMeta(nil, &p.meta)
	want := []store.State{
		{Player: "p1", Rule: metaRule, Version: 4, Data: meta},
		{Player: "p1", Rule: "a", Version: 0, Data: appendRuleState(nil, p.rules["a"])},
		{Player: "p1", Rule: "b", Version: 7, Data: appendRuleState(nil, p.rules["b"])},
		{Player: "p1", Rule: "gone", Version: 0, Data: []byte("null")},
	}
	size := metaSize(&p.meta)
	for i, w := range want {
		got := states[1+i]
		if got.Player != w.Player || got.Rule != w.Rule || got.Version != w.Version || string(got.Data) != string(w.Data) {
			t.Errorf("state %d:\n got %+v %s\nwant %+v %s", i, got, got.Data, w, w.Data)
		}
		if cap(got.Data) != len(got.Data) {
			t.Errorf("state %d: capacity %d beyond its %d bytes: an append would write over the next", i, cap(got.Data), len(got.Data))
		}
		if i > 0 {
			size += ruleStateSize(p.rules[w.Rule])
		}
	}
	if total := len(meta) + len(want[1].Data) + len(want[2].Data) + len(want[3].Data); total > size {
		t.Errorf("the states take %d bytes, the sizes say %d: the buffer grew", total, size)
	}
	if p.metaVer != 5 || p.versions["a"] != 1 || p.versions["b"] != 8 || len(p.dirty) != 0 {
		t.Errorf("versions %d %v, dirty %v", p.metaVer, p.versions, p.dirty)
	}
}

// TestAppendRecord checks that an event's body is what encoding/json writes
// for its record, byte for byte (stored hashes compare it), whether
// appendRecord writes it or, for a value it does not know, encoding/json;
// and that the hash is the body's SHA-256.
func TestAppendRecord(t *testing.T) {
	t1 := time.Date(2026, 11, 3, 10, 0, 0, 123456789, time.UTC)
	malta, _ := time.LoadLocation("Europe/Malta")
	events := []Event{
		{Kind: "bet", Time: t1},
		{Kind: "bet", Time: t1.In(malta), Currency: "EUR", Attrs: map[string]any{"amount": json.Number("12.50"), "game": "Gold Quest", "live": true, "none": nil}},
		{Kind: "deposit", Time: t1, Attrs: map[string]any{"n": json.Number("-0.5e+10"), "m": json.Number("0"), "z": json.Number("1E3")}},
		{Kind: "quote\"d <&>", Time: t1, Currency: "USD", Attrs: map[string]any{"ünï": "çödé", "ctl": "a\nb\tc\u2028", "bad": "\xff\xfe", "k\"ey": "v"}},
		{Kind: "player", Time: t1, Zone: "Europe/Malta", Properties: map[string]any{"vip": json.Number("3"), "country": "MT", "kyc": false}},
		{Kind: "bet", Time: t1, Attrs: map[string]any{}, Properties: map[string]any{}},
		// Values encoding/json writes: an empty number (0), Go numbers, a
		// decimal, a nested map.
		{Kind: "bet", Time: t1, Attrs: map[string]any{"amount": json.Number("")}},
		{Kind: "bet", Time: t1, Attrs: map[string]any{"amount": 12, "rate": int64(-3)}},
		{Kind: "bet", Time: t1, Attrs: map[string]any{"amount": decimal.RequireFromString("12.50")}},
		{Kind: "bet", Time: t1, Properties: map[string]any{"nested": map[string]any{"b": 1, "a": "x"}}},
	}
	for i := range 40 { // many keys: beyond the stack array of keys
		if events[1].Attrs["k"+strconv.Itoa(i)] = strconv.Itoa(i); i%3 == 0 {
			events[1].Attrs["n"+strconv.Itoa(i)] = json.Number(strconv.Itoa(i * 7))
		}
	}
	for _, ev := range events {
		r := record{Kind: ev.Kind, Time: ev.Time.UTC(), Currency: ev.Currency, Attrs: ev.Attrs, Zone: ev.Zone, Props: ev.Properties}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		body, hash := ev.encode()
		if string(body) != string(want) {
			t.Errorf("encode:\n got %s\nwant %s", body, want)
		}
		if h := sha256.Sum256(want); string(hash) != string(h[:]) {
			t.Errorf("encode of %s: hash %x, want %x", want, hash, h)
		}
		if got, ok := appendRecord(nil, &r); ok && string(got) != string(want) {
			t.Errorf("appendRecord:\n got %s\nwant %s", got, want)
		}
	}
	for _, n := range []string{"0", "-0", "12", "12.5", "1e5", "1E+5", "1.5e-3", "-0.0"} {
		if !jsonNumber(n) {
			t.Errorf("jsonNumber(%q) = false", n)
		}
	}
	for _, n := range []string{"", "-", "01", "1.", ".5", "1e", "1e+", "+1", "0x10", "1.5.5", "NaN", " 1"} {
		if jsonNumber(n) {
			t.Errorf("jsonNumber(%q) = true", n)
		}
	}
}

// encode gives the event's body and the hash of its text, as an engine
// before the hash of an event's meaning recorded it (sameEvent compares
// such hashes).
func (ev *Event) encode() (body, hash []byte) {
	body = ev.body()
	h := sha256.Sum256(body)
	return body, h[:]
}
