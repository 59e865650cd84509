package bench

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// TestPacedRun checks the paced host's bookkeeping on a real engine, fed
// faster than it writes so that a backlog forms: its calls take the
// events in order, each once; every event has a latency, from its arrival
// to its call's return; and with Ahead and Piece, a call submitted with
// none outstanding holds at most Piece events, one submitted while
// another is written at most twice that one's, and none more than Most.
func TestPacedRun(t *testing.T) {
	ctx := context.Background()
	prog, err := CompileCampaigns()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []PacedHost{
		{Outstanding: 2, Most: 512, Piece: 16, Ahead: true},
		{Outstanding: 1, Most: 512},
	} {
		st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "promoc.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		e, err := engine.New(ctx, prog, st, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s := NewStream(4_000, 400, 1)
		if _, err := RunStream(ctx, e, s, 512, 4096, 1_000); err != nil {
			t.Fatal(err)
		}
		const n = 2_000
		run, err := PacedRun(ctx, e, s, n, 100_000, h) // far faster than the engine: a backlog
		if err != nil {
			t.Fatal(err)
		}
		if len(run.Lat) != n {
			t.Fatalf("%+v: %d latencies, want %d", h, len(run.Lat), n)
		}
		next := 0
		for k, c := range run.Calls {
			if c.I != next || c.J <= c.I {
				t.Fatalf("%+v: call %d takes events [%d, %d), want from %d", h, k, c.I, c.J, next)
			}
			next = c.J
			size := c.J - c.I
			if size > h.Most {
				t.Fatalf("%+v: call %d holds %d events, more than Most", h, k, size)
			}
			if h.Ahead && h.Piece > 0 {
				// A call with none outstanding before it: the first, or
				// one submitted after the one before was written.
				limit := h.Piece
				if k > 0 && c.Submit.Before(run.Calls[k-1].Done) {
					limit = max(h.Piece, 2*(run.Calls[k-1].J-run.Calls[k-1].I))
				}
				if size > limit {
					t.Fatalf("%+v: call %d holds %d events, more than its piece %d", h, k, size, limit)
				}
			}
			if c.Done.Before(c.Submitted) || c.Submitted.Before(c.Submit) {
				t.Fatalf("%+v: call %d's times out of order: %+v", h, k, c)
			}
			for x := c.I; x < c.J; x++ {
				if want := c.Done.Sub(run.Arrival[x]); run.Lat[x] != want || want <= 0 {
					t.Fatalf("%+v: event %d's latency %v, want %v from its arrival to its call's return", h, x, run.Lat[x], want)
				}
			}
		}
		if next != n {
			t.Fatalf("%+v: the calls take %d events, want %d", h, next, n)
		}
		t.Logf("%+v: %d calls", h, len(run.Calls))
	}
}
