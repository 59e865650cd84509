package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBreakdown: serve's traces are lined up with the client's times by
// their keys, the slowest 1% and all rows give each phase's mean, a mark
// not reached takes no time, and lines of other phases, of requests not
// acknowledged or not whole are left out.
func TestBreakdown(t *testing.T) {
	start := time.Unix(1_800_000_000, 0)
	const interval = time.Millisecond
	ms := int64(time.Millisecond)
	// Two requests: the i-th due at start+i ms, sent 1 ms late, its
	// handler 1 ms later, then a ms each for 9 marks but the key's
	// (not reached), answered 2 ms after the last mark.
	var b strings.Builder
	for i := range 2 {
		due := start.Add(time.Duration(i) * interval).UnixNano()
		fmt.Fprintf(&b, "load-5000-1-%d %d %d %d 0 %d %d %d %d %d %d 90 0\n", i, due+2*ms, 1*ms, 2*ms, 3*ms, 4*ms, 5*ms, 6*ms, 7*ms, 8*ms)
	}
	b.WriteString("load-5000-10-0 1 1 1 1 1 1 1 1 1 1 1 1\n") // another phase
	b.WriteString("load-5000-1-2 1 1 1\n")                    // not whole
	b.WriteString("load-5000-1-3 1 1 1 1 1 1 1 1 1 1 1 1\n")  // not acknowledged
	file := filepath.Join(t.TempDir(), "trace.log")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	late := []time.Duration{time.Millisecond, time.Millisecond, 0, 0}
	lat := []time.Duration{12 * time.Millisecond, 12 * time.Millisecond, time.Second, time.Second}
	acked := []bool{true, true, true, false}
	got, err := breakdown(file, "load-5000-1-", start, interval, late, lat, acked)
	if err != nil {
		t.Fatal(err)
	}
	// late 1, to serve 1, auth 1, body 1, key 0, decode 1, queue 1,
	// decide 1, write 1, answer 1, respond 1, back 2: 12 in all.
	want := "| 12.00 | 1.00 | 1.00 | 1.00 | 1.00 | 0.00 | 1.00 | 1.00 | 1.00 | 1.00 | 1.00 | 1.00 | 2.00 | 90.0 | 0.0 |"
	for _, row := range []string{"| slowest 1% (1) ", "| all (2) "} {
		if !strings.Contains(got, row+want) {
			t.Errorf("no row %q in\n%s", row+want, got)
		}
	}
	if _, err := breakdown(file, "load-1-1-", start, interval, late, lat, acked); err == nil {
		t.Error("no trace of a phase: no error")
	}
}
