package bonus_test

import (
	"errors"
	"testing"

	"github.com/promoc/promoc/runtime/bonus"
	"github.com/promoc/promoc/runtime/store"
)

// FuzzDecodeEvent: any bytes decode to a valid status event or to a
// FieldError, never a panic; a valid event has an id, a known status and,
// when it carries an amount, one the store can hold.
func FuzzDecodeEvent(f *testing.F) {
	for _, s := range []string{
		`{"id":"e1","bonus":"b","status":"Completed","amount":"7.50","currency":"EUR","at":"2026-12-06T11:00:00+01:00"}`,
		`{"id":"e1","player":"p1","status":"Lost","fasttrack_references":{"X-Fasttrack-Activityid":"12"}}`,
		`{"id":"e1","player":"p1","status":"Expired","references":{"activity_id":"a","action_id":"b","trigger_hash":"h"}}`,
		`{"id":"e","status":"Completed","amount":1e3}`,
		`{"id":"e","status":"Completed","amount":"-0.000000001"}`,
		`{"id":`, `[]`, `null`, "\xff\xfe{\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		e, err := bonus.DecodeEvent(b, "", t0)
		if err != nil {
			var fe *bonus.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("DecodeEvent(%q): %v is not a FieldError", b, err)
			}
			return
		}
		if e.ID == "" || !e.Status.Valid() {
			t.Fatalf("DecodeEvent(%q) = %+v: no id or an unknown status", b, e)
		}
		if e.HasAmount {
			if _, err := store.Units(e.Amount); err != nil {
				t.Fatalf("DecodeEvent(%q): amount %s: %v", b, e.Amount, err)
			}
		}
	})
}
