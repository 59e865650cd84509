package schedule

import (
	"errors"
	"testing"
	"time"

	"github.com/promoc/promoc/vm/window"
)

// fuzzZones are the zones FuzzNext picks from: DST in both hemispheres, a 30-minute change,
// a skipped midnight, a skipped date, fixed offsets, and an offset of whole seconds
// (Africa/Monrovia was 44 minutes 30 seconds behind UTC until 1972).
var fuzzZones = [...]string{"UTC", "Europe/Malta", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Pacific/Apia", "Asia/Kolkata", "Asia/Tokyo", "Africa/Monrovia"}

// FuzzParse checks that Parse never panics, that an error names offsets within the text,
// and that a schedule's text parses to the same schedule. It also checks NeverFires
// against the field-by-field search from the start of 1900, which does not use it.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"* * * * *", "0 0 * * 1", "*/15 1-3 * * *", "10-50/10 8-17 * jan-jun mon-fri", "0 0 31 2 *", "0 0 29 2 *",
		"0 0 1 * 1", "0 0 */2 * 1", "5-1 * * * *", "* * * *", "0 0 * * * *", "@daily", "1,,2 * * * *", "*/0 * * * *", "0 0 * * 7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if len(expr) > 1000 {
			return
		}
		s, err := Parse(expr)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) = %v, not an *Error", expr, err)
			}
			if e.Offset < 0 || e.Offset > e.End || e.End > len(expr) {
				t.Fatalf("Parse(%q) = %v: offsets %d-%d outside the text", expr, err, e.Offset, e.End)
			}
			if !s.IsZero() {
				t.Fatalf("Parse(%q) returned a schedule with its error", expr)
			}
			return
		}
		again, err := Parse(s.String())
		if err != nil || again != s {
			t.Fatalf("Parse(%q): its text %q parses to %v, %v", expr, s.String(), again, err)
		}
		_, fires := s.nextWall(Wall{Year: firstYear, Month: time.January, Day: 1})
		if fires == s.NeverFires() {
			t.Fatalf("Parse(%q): NeverFires = %v, but a search from 1900 finds a firing: %v", expr, s.NeverFires(), fires)
		}
		if (s.NeverReason() == "") != fires {
			t.Fatalf("Parse(%q): NeverReason = %q, but a search from 1900 finds a firing: %v", expr, s.NeverReason(), fires)
		}
	})
}

// FuzzNext checks that Next returns an instant after the one given, or none only for a
// schedule that never fires or near the end of the range; that the firing's minute
// matches the schedule and fires at the first instant the clocks show it or later (its
// own reading, or the instant of a jump that skipped it); that no firing lies between the
// instant given and it; and that Prev finds the same firing.
func FuzzNext(f *testing.F) {
	f.Add("30 2 * * *", int64(1774738800), uint32(0), uint8(1))
	f.Add("30 2 * * *", int64(1774746599), uint32(999999999), uint8(1))
	f.Add("*/15 1-3 * * *", int64(1792886400), uint32(0), uint8(1))
	f.Add("*/10 2 * * *", int64(1791129600), uint32(0), uint8(3))
	f.Add("0 12 29,30 12 *", int64(1325000000), uint32(0), uint8(5))
	f.Add("0 0 29 2 *", int64(4102444800), uint32(0), uint8(0))
	f.Add("0 0 * * 0", int64(1788000000), uint32(0), uint8(4))
	f.Add("0 0 1 * 1", int64(-2208988800), uint32(0), uint8(2))
	f.Add("59 23 31 12 *", int64(7258118400), uint32(0), uint8(7))
	f.Add("*/5 * * * *", int64(31536000), uint32(0), uint8(8))
	f.Fuzz(func(t *testing.T, expr string, sec int64, nsec uint32, zoneIndex uint8) {
		if len(expr) > 200 {
			return
		}
		s, err := Parse(expr)
		if err != nil {
			return
		}
		loc, err := time.LoadLocation(fuzzZones[int(zoneIndex)%len(fuzzZones)])
		if err != nil {
			t.Fatal(err)
		}
		// Instants from a year before 1900 to a year after 2199: sec itself when it is in
		// that range, as in the seeds, and wrapped into it otherwise.
		lo, hi := earliest.Add(-365*24*time.Hour).Unix(), latest.Add(365*24*time.Hour).Unix()
		if sec < lo || sec >= hi {
			span := hi - lo
			sec = lo + ((sec-lo)%span+span)%span
		}
		after := time.Unix(sec, int64(nsec%1e9)).In(loc)

		n, ok := s.Next(after, loc)
		if !ok {
			if !s.NeverFires() && after.Before(time.Date(2180, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Fatalf("Parse(%q).Next(%v): none", expr, after)
			}
			return
		}
		if !n.At.After(after) {
			t.Fatalf("Parse(%q).Next(%v) = %v, not after", expr, after, line(n))
		}
		if !s.Matches(n.Wall) {
			t.Fatalf("Parse(%q).Next(%v) = %v: the minute does not match", expr, after, line(n))
		}
		if at := window.FirstInstant(n.Wall.civil(), loc); !at.Equal(n.At) {
			t.Fatalf("Parse(%q).Next(%v) = %v, want the instant %v", expr, after, line(n), at)
		}
		if r := wallOf(window.WallClock(n.At)); r != n.Wall {
			// A skipped minute: the instant is a change of offset, and the clocks show a
			// later time there.
			start, _ := n.At.ZoneBounds()
			if !start.Equal(n.At) || !window.WallClock(n.At).After(n.Wall.civil()) {
				t.Fatalf("Parse(%q).Next(%v) = %v: the clocks show %v and did not jump", expr, after, line(n), r)
			}
		}
		if p, ok := s.Prev(n.At.Add(-time.Nanosecond), loc); ok && p.At.After(after) {
			t.Fatalf("Parse(%q).Next(%v) = %v, but %v fires in between", expr, after, line(n), line(p))
		}
		if p, ok := s.Prev(n.At, loc); !ok || line(p) != line(n) {
			t.Fatalf("Parse(%q).Prev(%v) = %v, %v; want %v", expr, n.At, line(p), ok, line(n))
		}
	})
}

// FuzzNextModel compares the firings Next gives over 50 hours with the minute-by-minute
// model, in zones with whole-minute offsets from 1950 to 2150: besides those of FuzzNext,
// Europe/London (double summer time in the 1940s) and Antarctica/Troll (a 2-hour change).
func FuzzNextModel(f *testing.F) {
	f.Add("*/15 1-3 * * *", int64(1774738800), uint8(1))
	f.Add("30 2 * * *", int64(1792800000), uint8(1))
	f.Add("*/10 1,2 * * *", int64(1775300000), uint8(3))
	f.Add("0 0 * * *", int64(1788700000), uint8(4))
	f.Add("* * * * *", int64(1774659600), uint8(8))
	f.Add("0 */2 * * *", int64(-857000000), uint8(7))
	f.Fuzz(func(t *testing.T, expr string, sec int64, zoneIndex uint8) {
		if len(expr) > 200 {
			return
		}
		s, err := Parse(expr)
		if err != nil {
			return
		}
		zones := [...]string{"UTC", "Europe/Malta", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Pacific/Apia", "Asia/Kolkata", "Europe/London", "Antarctica/Troll"}
		loc, err := time.LoadLocation(zones[int(zoneIndex)%len(zones)])
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(2150, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		if sec < lo || sec >= hi {
			span := hi - lo
			sec = lo + ((sec-lo)%span+span)%span
		}
		after := time.Unix(sec, 0)
		until := after.Add(50 * time.Hour)
		want, got := lines(model(s, loc, after, until)), lines(firings(t, s, loc, after, until))
		if len(want) != len(got) {
			t.Fatalf("Parse(%q) in %s from %v: %d firings, the model has %d:\n%v\n%v", expr, loc, after, len(got), len(want), got, want)
		}
		for i := range want {
			if want[i] != got[i] {
				t.Fatalf("Parse(%q) in %s from %v: firing %d is %s, the model's %s", expr, loc, after, i, got[i], want[i])
			}
		}
	})
}
