package window

import (
	"testing"
	"time"
)

// fuzzZones are the zones FuzzResolve picks from: no zone, and zones with DST changes,
// skipped midnights, half-hour changes and a skipped day.
var fuzzZones = [...]string{"", "UTC", "Europe/Malta", "America/New_York", "America/Santiago", "America/Havana", "Australia/Lord_Howe", "Pacific/Apia", "Asia/Tokyo", "Bogus/Zone"}

// FuzzResolve checks that Resolve never panics, and that an interval it returns is in
// order and within the limit. The limit is measured on the wall clock for windows with
// wall-clock bounds, so their elapsed time may exceed MaxLength by a DST change (at most
// one hour in these zones) and by an end moved forward over a skipped hour (one more), or,
// in Pacific/Apia, by a day (it repeated 1892-07-04 and skipped 2011-12-30); windows
// ending at the last transaction end 1ns after it.
func FuzzResolve(f *testing.F) {
	f.Add(uint8(LastFullDay), int64(0), uint8(0), int64(1795000000), int64(0), int64(0), uint8(2), false, uint16(2026), uint8(3), uint8(29), uint8(2), uint16(2026), uint8(4), uint8(1), uint8(0))
	f.Add(uint8(Fixed), int64(0), uint8(0), int64(0), int64(0), int64(0), uint8(2), false, uint16(2026), uint8(10), uint8(1), uint8(0), uint16(2026), uint8(11), uint8(1), uint8(0))
	f.Add(uint8(TimeBack), int64(31), uint8(Day), int64(1795000000), int64(0), int64(0), uint8(0), false, uint16(0), uint8(0), uint8(0), uint8(0), uint16(0), uint8(0), uint8(0), uint8(0))
	f.Add(uint8(FirstToLast), int64(0), uint8(0), int64(0), int64(1790000000), int64(1792678400), uint8(0), false, uint16(0), uint8(0), uint8(0), uint8(0), uint16(0), uint8(0), uint8(0), uint8(0))
	f.Add(uint8(LastWeekend), int64(0), uint8(0), int64(1795392000), int64(0), int64(0), uint8(4), true, uint16(0), uint8(0), uint8(0), uint8(0), uint16(0), uint8(0), uint8(0), uint8(0))
	f.Add(uint8(FirstToFixed), int64(0), uint8(0), int64(0), int64(1788000000), int64(0), uint8(7), false, uint16(2011), uint8(12), uint8(31), uint8(0), uint16(2012), uint8(1), uint8(30), uint8(0))
	f.Fuzz(func(t *testing.T, kind uint8, n int64, unit uint8, now, anchor1, anchor2 int64, zoneIndex uint8, player bool,
		y1 uint16, m1, d1, h1 uint8, y2 uint16, m2, d2, h2 uint8) {
		z := fuzzZones[int(zoneIndex)%len(fuzzZones)]
		s := Spec{
			Kind:  Kind(kind % 14),
			N:     n,
			Unit:  Unit(unit % 6),
			Start: Wall{Year: int(y1), Month: time.Month(m1 % 14), Day: int(d1 % 33), Hour: int(h1 % 25), Min: int(h1 % 61), Sec: int(d1 % 61)},
			End:   Wall{Year: int(y2), Month: time.Month(m2 % 14), Day: int(d2 % 33), Hour: int(h2 % 25), Min: int(h2 % 61), Sec: int(d2 % 61)},
			Zone:  z,
		}
		var playerZone *time.Location
		if player {
			s.Zone, s.PlayerZone = "", true
			if z != "" && z != "Bogus/Zone" {
				playerZone = zone(t, z)
			}
		}
		// Seconds within ±2^40 keep the times far inside time.Time's range.
		at := func(sec int64) time.Time {
			if sec == 0 {
				return time.Time{}
			}
			return time.Unix(sec%(1<<40), 0).UTC()
		}
		a := Anchors{FirstTx: at(anchor1), LastTx: at(anchor2), Qualified: at(anchor1), Entered: at(anchor1)}
		i, err := Resolve(s, at(now), playerZone, a)
		if err != nil || i.All {
			return
		}
		if i.End.Before(i.Start) {
			t.Fatalf("Resolve(%v) = %v: starts after it ends", s, i)
		}
		limit := MaxLength
		switch {
		case s.Kind.usesZone() && z == "Pacific/Apia":
			limit += 24 * time.Hour
		case s.Kind.usesZone():
			limit += 2 * time.Hour
		case s.Kind == FirstToLast || s.Kind == QualificationToLast:
			limit += time.Nanosecond
		}
		if i.Duration() > limit {
			t.Fatalf("Resolve(%v) = %v, %v long", s, i, i.Duration())
		}
	})
}
