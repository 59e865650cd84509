package schedule

import (
	"testing"
	"time"
)

// BenchmarkNext finds the next firing of schedules that fire often, weekly, on the 31st,
// on February 29 only (years ahead), and across a DST change, each from a fixed instant.
func BenchmarkNext(b *testing.B) {
	malta := zone(b, "Europe/Malta")
	benchmarks := []struct {
		name  string
		expr  string
		loc   *time.Location
		after time.Time
	}{
		{"every minute UTC", "* * * * *", time.UTC, utc(2026, 11, 23, 1, 30)},
		{"Monday Malta", "0 0 * * 1", malta, utc(2026, 11, 24, 1, 30)},
		{"31st Malta", "0 9 31 * *", malta, utc(2026, 1, 31, 12, 0)},
		{"February 29 Malta", "0 0 29 2 *", malta, utc(2096, 3, 1, 0, 0)},
		{"either day Malta", "0 0 13 * fri", malta, utc(2026, 1, 1, 0, 0)},
		{"skipped hour Malta", "30 2 * * *", malta, utc(2026, 3, 28, 12, 0)},
		{"repeated hour Malta", "*/5 * * * *", malta, utc(2026, 10, 25, 1, 10)},
	}
	for _, bm := range benchmarks {
		s := mustParse(b, bm.expr)
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := s.Next(bm.after, bm.loc); !ok {
					b.Fatal("no firing")
				}
			}
		})
	}
}

// BenchmarkMissed finds the firing to run after a year of downtime.
func BenchmarkMissed(b *testing.B) {
	malta := zone(b, "Europe/Malta")
	s := mustParse(b, "0 0 * * 1")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := s.Missed(utc(2025, 11, 1, 0, 0), utc(2026, 11, 1, 0, 0), malta); !ok {
			b.Fatal("none missed")
		}
	}
}

// BenchmarkNeverFires is the compiler's check, on a schedule that never fires.
func BenchmarkNeverFires(b *testing.B) {
	s := mustParse(b, "0 0 30,31 2 *")
	for b.Loop() {
		if !s.NeverFires() {
			b.Fatal("fires")
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("10-50/10 8-17 * jan-jun mon-fri"); err != nil {
			b.Fatal(err)
		}
	}
}
