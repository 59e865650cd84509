package main

import (
	"syscall"
	"time"
)

// punctualSleep sleeps d: up to its last two milliseconds with Go's
// timers (a millisecond late at most), the rest with the nanosleep system
// call, which is not rounded to Go's poller's milliseconds (on Linux;
// elsewhere, punctual_other.go, time.Sleep). A nanosleep interrupted by
// a signal (EINTR) has written the time left back into ts, and goes on
// with it.
func punctualSleep(d time.Duration) {
	end := time.Now().Add(d)
	if d > 2*time.Millisecond {
		time.Sleep(d - 2*time.Millisecond)
	}
	if d = time.Until(end); d <= 0 {
		return
	}
	ts := syscall.NsecToTimespec(int64(d))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}
