package main

import (
	"testing"
	"time"

	"github.com/promoc/promoc/bench"
)

// TestRegistrationZones: the players live in the six zones of the engine's
// benchmark in turn, so that the rule set's schedule in player zone fires
// per zone; every player has one, and the rest of the event is as before.
func TestRegistrationZones(t *testing.T) {
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	count := map[string]int{}
	const n = 600
	for i := range n {
		ev := registration(i, at)
		zone, _ := ev["zone"].(string)
		if _, err := time.LoadLocation(zone); err != nil || zone == "" {
			t.Fatalf("player %d: zone %q: %v", i, zone, err)
		}
		count[zone]++
		if ev["player"] != player(i) || ev["kind"] != "player" || ev["currency"] != "EUR" || ev["time"] != "2026-11-02T10:00:00Z" {
			t.Fatalf("player %d: %v", i, ev)
		}
	}
	if len(count) != len(bench.PlayerZones) || len(count) != 6 {
		t.Fatalf("zones %v: want the six of bench.PlayerZones", count)
	}
	for _, z := range bench.PlayerZones {
		if count[z] != n/6 {
			t.Errorf("zone %s: %d players, want %d", z, count[z], n/6)
		}
	}
}
