package bench

import (
	"reflect"
	"testing"

	"github.com/promoc/promoc/runtime/engine"
)

// TestStream checks the engine workload's stream: the same seed gives the
// same events, every player's first event registers it, times never go
// back, and the kinds come in the stated mix.
func TestStream(t *testing.T) {
	const events, players = 20_000, 2_000
	a, b := NewStream(events, players, 1), NewStream(events, players, 1)
	seen := map[string]bool{}
	kinds := map[string]int{}
	var last engine.Event
	for i := 0; ; i++ {
		x, ok := a.Next()
		y, ok2 := b.Next()
		if ok != ok2 || !reflect.DeepEqual(x, y) {
			t.Fatalf("event %d differs between two streams of one seed: %+v, %+v", i, x, y)
		}
		if !ok {
			if i != events {
				t.Fatalf("%d events, want %d", i, events)
			}
			break
		}
		if x.Time.Before(last.Time) {
			t.Fatalf("event %d at %v, before the previous one at %v", i, x.Time, last.Time)
		}
		last = x
		if !seen[x.Player] && x.Kind != engine.KindPlayer {
			t.Fatalf("event %d of %s is a %s, before the player's registration", i, x.Player, x.Kind)
		}
		seen[x.Player] = true
		kinds[x.Kind]++
	}
	if len(seen) != players || kinds[engine.KindPlayer] != players {
		t.Errorf("%d players, %d registrations, want %d", len(seen), kinds[engine.KindPlayer], players)
	}
	rest := float64(events - players)
	for k, want := range map[string]float64{"bet": 0.62, "win": 0.22, "deposit": 0.08, "login": 0.08} {
		if got := float64(kinds[k]) / rest; got < want-0.02 || got > want+0.02 {
			t.Errorf("%s: %.3f of the transactions, want about %.2f", k, got, want)
		}
	}
}

// TestCampaignsCompile checks that the engine workload's rule set has its
// ten rules.
func TestCampaignsCompile(t *testing.T) {
	prog, err := CompileCampaigns()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(prog.Rules()); n != 10 {
		t.Errorf("%d rules, want 10", n)
	}
}
