package schedule_test

import (
	"fmt"
	"time"

	"github.com/promoc/promoc/vm/schedule"
)

// A weekly schedule in Europe/Malta across the change to summer time, and a daily one at
// a time the clocks skip that day.
func ExampleSchedule_Next() {
	malta, _ := time.LoadLocation("Europe/Malta")
	monday, _ := schedule.Parse("0 0 * * 1")
	after := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	for range 3 {
		f, _ := monday.Next(after, malta)
		fmt.Println(f.At, "|", f.Key())
		after = f.At
	}
	night, _ := schedule.Words{Every: schedule.EveryDay, Hour: 2, Minute: 30}.Schedule()
	f, _ := night.Next(time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC), malta)
	fmt.Println(night, "fires at", f.At, "|", f.Key())
	// Output:
	// 2026-03-23 00:00:00 +0100 CET | Europe/Malta 2026-03-23T00:00
	// 2026-03-30 00:00:00 +0200 CEST | Europe/Malta 2026-03-30T00:00
	// 2026-04-06 00:00:00 +0200 CEST | Europe/Malta 2026-04-06T00:00
	// every day 02:30 fires at 2026-03-29 03:00:00 +0200 CEST | Europe/Malta 2026-03-29T02:30
}

// After three weeks of downtime, the three Mondays missed are one run, the latest; once it
// has run, nothing is missed.
func ExampleSchedule_Missed() {
	malta, _ := time.LoadLocation("Europe/Malta")
	monday, _ := schedule.Parse("0 0 * * 1")
	last := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	f, ok := monday.Missed(last, now, malta)
	fmt.Println(f.Key(), ok)
	_, ok = monday.Missed(f.At, now, malta)
	fmt.Println(ok)
	// Output:
	// Europe/Malta 2026-03-16T00:00 true
	// false
}

// The compiler's checks: an error names the field and its offset, and a schedule can
// parse and yet never fire.
func ExampleParse() {
	_, err := schedule.Parse("0 0 32 * *")
	fmt.Println(err)
	feb30, _ := schedule.Parse("0 0 30 2 *")
	leap, _ := schedule.Parse("0 0 29 2 *")
	fmt.Println(feb30.NeverFires(), leap.NeverFires())
	// Output:
	// day of month at column 5: 32 is out of range 1-31
	// true false
}
