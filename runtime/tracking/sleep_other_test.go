//go:build !linux

package tracking_test

import "time"

// sleepUntil sleeps until t with Go's timers where nanosleep is not at
// hand (sleep_linux_test.go): up to a millisecond late.
func sleepUntil(t time.Time) { time.Sleep(time.Until(t)) }
