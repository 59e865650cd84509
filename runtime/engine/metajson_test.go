package engine

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// TestAppendMeta checks that appendMeta writes what encoding/json writes
// for playerMeta, and that it knows every field.
func TestAppendMeta(t *testing.T) {
	if n := reflect.TypeFor[playerMeta]().NumField(); n != 6 {
		t.Fatalf("playerMeta has %d fields, appendMeta writes 6: write the new ones in appendMeta and here", n)
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
	}
}

// TestAppendRuleState checks that appendRuleState writes what
// encoding/json writes for ruleState, and that it knows every field.
func TestAppendRuleState(t *testing.T) {
	if n := reflect.TypeFor[ruleState]().NumField(); n != 13 {
		t.Fatalf("ruleState has %d fields, appendRuleState writes 13: write the new ones in appendRuleState and here", n)
	}
	t1 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	t2 := time.Date(2026, 11, 3, 10, 0, 0, 123456789, time.UTC)
	malta, _ := time.LoadLocation("Europe/Malta")
	all := ruleState{Count: 49, BatchFirst: t1, BatchLast: t2, BatchSkip: 2, QualifiedAt: t1.In(malta), QualRewards: 3,
		EnteredAt: t2, Rewards: []time.Time{t1, t2}, Messages: []time.Time{t2.In(malta)}, InactiveFor: t1, Done: true,
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
		if got := appendRuleState(nil, &s); string(got) != string(want) {
			t.Errorf("appendRuleState:\n got %s\nwant %s", got, want)
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
