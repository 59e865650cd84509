package bench

import (
	"testing"
	"time"
)

// TestSleeper: each sleeper waits at least what it is asked (how much
// later it wakes is measured, not asserted: sleep.go), and returns at once
// for nothing.
func TestSleeper(t *testing.T) {
	for _, coarse := range []bool{false, true} {
		s := newSleeper(coarse)
		for _, d := range []time.Duration{0, -time.Millisecond, 300 * time.Microsecond, 2 * time.Millisecond} {
			start := time.Now()
			s.sleep(d)
			if got := time.Since(start); got < d {
				t.Errorf("coarse %v: sleep(%v) returned after %v", coarse, d, got)
			}
		}
		s.close()
	}
}
