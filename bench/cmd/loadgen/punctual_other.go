//go:build !linux

package main

import "time"

// punctualSleep is time.Sleep where nanosleep is not at hand
// (punctual_linux.go): the requests go out up to a millisecond late, which
// each phase's line shows as their lateness.
func punctualSleep(d time.Duration) { time.Sleep(d) }
