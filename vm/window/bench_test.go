package window

import "testing"

func BenchmarkResolve(b *testing.B) {
	malta := zone(b, "Europe/Malta")
	now := utc(2026, 11, 23, 1, 30, 0)
	specs := []struct {
		name string
		spec Spec
	}{
		{"time back", Spec{Kind: TimeBack, N: 7, Unit: Day}},
		{"last full week loaded", Spec{Kind: LastFullWeek, Zone: "Europe/Malta", Loc: malta}},
		{"last full week by name", Spec{Kind: LastFullWeek, Zone: "Europe/Malta"}},
		{"last full month player", Spec{Kind: LastFullMonth, PlayerZone: true}},
	}
	for _, s := range specs {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Resolve(s.spec, now, malta, Anchors{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
