package bench

import "time"

// A sleeper waits for a paced run's next arrival. Go's own timers wake a
// goroutine up to a millisecond late when the process is otherwise idle
// (the runtime waits for them in whole milliseconds): a sleep of 200 µs
// takes about 1.08 ms on this machine. A host fed by the network is woken
// when a request comes, within microseconds; so a paced run that waits on
// Go's timers adds up to a millisecond to every event's latency that no
// such host has, and gathers the events into calls a millisecond apart.
// The precise sleeper (Linux: a timer file descriptor, waited for by the
// runtime's network poller, which holds no processor meanwhile) wakes
// within tens of microseconds; PacedHost.CoarseSleep asks for Go's timers.
// The benchmark keeps Go's timers by default (PROMOC_BENCH_SLEEP=precise
// for the other): on the quiet machine the precise host changed neither the
// p50 nor the p99 beyond the runs' spread (bench/README.md), so the engine's
// own latency is what they measure, and the numbers stay comparable with
// the earlier ones.
type sleeper interface {
	sleep(d time.Duration)
	close()
}

// goSleeper is time.Sleep: Go's timers.
type goSleeper struct{}

func (goSleeper) sleep(d time.Duration) { time.Sleep(d) }
func (goSleeper) close()                {}

// newSleeper returns the precise sleeper, or Go's timers when coarse is
// set or the system has no precise one.
func newSleeper(coarse bool) sleeper {
	if coarse {
		return goSleeper{}
	}
	if s, err := newPreciseSleeper(); err == nil {
		return s
	}
	return goSleeper{}
}
