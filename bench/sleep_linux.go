package bench

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// timerSleeper waits on a timer file descriptor (timerfd_create(2)) through
// the runtime's network poller: the goroutine parks, its processor runs
// other goroutines, and the poller wakes it when the timer expires.
type timerSleeper struct {
	fd  int
	f   *os.File // non-blocking: reads park on the poller
	buf [8]byte
}

func newPreciseSleeper() (sleeper, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return &timerSleeper{fd: fd, f: os.NewFile(uintptr(fd), "timerfd")}, nil
}

func (s *timerSleeper) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	its := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if err := unix.TimerfdSettime(s.fd, 0, &its, nil); err != nil {
		time.Sleep(d)
		return
	}
	if _, err := s.f.Read(s.buf[:]); err != nil { // the expirations, a uint64
		time.Sleep(d)
	}
}

func (s *timerSleeper) close() { s.f.Close() }
