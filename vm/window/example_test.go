package window_test

import (
	"fmt"
	"time"

	"github.com/promoc/promoc/vm/window"
)

func ExampleResolve() {
	// "last full day in player zone", for a player in Tokyo and one in Los Angeles, at
	// the same instant.
	spec := window.Spec{Kind: window.LastFullDay, PlayerZone: true}
	now := time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC)
	for _, name := range []string{"Asia/Tokyo", "America/Los_Angeles"} {
		player, err := window.LoadZone(name)
		if err != nil {
			panic(err)
		}
		i, err := window.Resolve(spec, now, player, window.Anchors{})
		if err != nil {
			panic(err)
		}
		fmt.Println(spec, "for", name+":", i)
	}
	// Output:
	// last full day in player zone for Asia/Tokyo: [2026-11-22T00:00:00+09:00, 2026-11-23T00:00:00+09:00)
	// last full day in player zone for America/Los_Angeles: [2026-11-21T00:00:00-08:00, 2026-11-22T00:00:00-08:00)
}

func ExampleResolve_dst() {
	// The day Malta moves to summer time has 23 hours.
	spec := window.Spec{Kind: window.LastFullDay, Zone: "Europe/Malta"}
	i, err := window.Resolve(spec, time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC), nil, window.Anchors{})
	if err != nil {
		panic(err)
	}
	fmt.Println(i, i.Duration())
	// Output:
	// [2026-03-29T00:00:00+01:00, 2026-03-30T00:00:00+02:00) 23h0m0s
}

func ExampleResolve_tooLong() {
	spec := window.Spec{Kind: window.TimeBack, N: 45, Unit: window.Day}
	_, err := window.Resolve(spec, time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC), nil, window.Anchors{})
	fmt.Println(err)
	// Output:
	// window of 45 days exceeds the maximum of 31 days
}

func ExampleSpec_StaticLength() {
	// October in Malta: 31 days on the wall clock, the length the limit applies to.
	spec := window.Spec{
		Kind:  window.Fixed,
		Start: window.Wall{Year: 2026, Month: time.October, Day: 1},
		End:   window.Wall{Year: 2026, Month: time.November, Day: 1},
		Zone:  "Europe/Malta",
	}
	length, ok := spec.StaticLength()
	fmt.Println(length, ok, length <= window.MaxLength)
	i, _ := window.Resolve(spec, time.Time{}, nil, window.Anchors{})
	fmt.Println(i.Duration())
	// Output:
	// 744h0m0s true true
	// 745h0m0s
}
