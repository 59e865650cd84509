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
