package window

import (
	"math"
	"time"
)

// Interval is a resolved window: the half-open interval [Start, End) of instants, or every
// instant when All is set. Compare its times with Before, After and Equal, not ==.
type Interval struct {
	Start, End time.Time // Start <= End; zero when All
	All        bool      // no window: Contains is always true
}

// Contains reports whether t lies in the interval: at or after Start and before End.
func (i Interval) Contains(t time.Time) bool {
	return i.All || !t.Before(i.Start) && t.Before(i.End)
}

// Duration returns the elapsed time from Start to End, or the largest Duration when All is
// set.
func (i Interval) Duration() time.Duration {
	if i.All {
		return math.MaxInt64
	}
	return i.End.Sub(i.Start)
}

// String returns the interval as "[start, end)" with RFC 3339 times, or "all time".
func (i Interval) String() string {
	if i.All {
		return "all time"
	}
	return "[" + i.Start.Format(time.RFC3339Nano) + ", " + i.End.Format(time.RFC3339Nano) + ")"
}
