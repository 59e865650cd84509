package tracking_test

import (
	"syscall"
	"time"
)

// sleepUntil sleeps until t: the last two milliseconds with nanosleep, as
// cmd/loadgen's tracking workloads do (time.Sleep of less than a
// millisecond sleeps about one in an otherwise idle process); elsewhere
// sleep_other_test.go. A nanosleep interrupted by a signal has written
// the time left back into ts, and goes on with it.
func sleepUntil(t time.Time) {
	if d := time.Until(t); d > 2*time.Millisecond {
		time.Sleep(d - 2*time.Millisecond)
	}
	d := time.Until(t)
	if d <= 0 {
		return
	}
	ts := syscall.NsecToTimespec(int64(d))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}
