package engine

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
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
