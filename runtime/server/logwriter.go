package server

import (
	"io"
	"sync"
)

// LogWriter writes a log's lines to its writer from a goroutine of its
// own, so that a request's log line costs the request a copy into memory
// and not a system call: the lines written while the goroutine writes go
// out together in its next write (at 10,000 requests a second, a few
// hundred writes a second instead of 10,000, none of them in a request's
// path). Nothing waits for a timer: an idle log is written at once.
//
// What a crash loses is the lines not yet written, those of the last
// instants (a kill -9 during a write of the goroutine); Close writes what
// is pending. The log is not the record of anything stored: the store is.
// When the writer falls behind by maxPending bytes, Write waits for it, as
// a direct write to a slow writer did.
type LogWriter struct {
	w    io.Writer
	wake chan struct{} // a line is pending
	done chan struct{} // closed when the goroutine has stopped

	mu      sync.Mutex
	room    sync.Cond // signalled when the pending lines are taken
	pending []byte
	spare   []byte // the buffer the goroutine last wrote, for reuse
	closed  bool
	err     error // the first error of w, returned by Close
}

// maxPending is the bytes of lines a LogWriter holds before Write waits:
// about 5,000 request lines.
const maxPending = 1 << 20

// NewLogWriter starts writing to w; Close stops it.
func NewLogWriter(w io.Writer) *LogWriter {
	l := &LogWriter{w: w, wake: make(chan struct{}, 1), done: make(chan struct{})}
	l.room.L = &l.mu
	go l.run()
	return l
}

// Write queues p, one line or more, whole, and does not fail: an error of
// the writer is Close's. After Close it writes p at once and returns what
// the writer returns.
func (l *LogWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	for !l.closed && len(l.pending) > 0 && len(l.pending)+len(p) > maxPending {
		l.room.Wait()
	}
	if l.closed {
		l.mu.Unlock()
		<-l.done // after the lines pending at Close
		return l.w.Write(p)
	}
	l.pending = append(l.pending, p...)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default: // the goroutine is already told
	}
	return len(p), nil
}

func (l *LogWriter) run() {
	defer close(l.done)
	for range l.wake {
		if !l.flush() {
			return
		}
	}
}

// flush writes the pending lines; false once closed and nothing is left.
func (l *LogWriter) flush() bool {
	l.mu.Lock()
	b, closed := l.pending, l.closed
	l.pending = l.spare[:0]
	l.spare = nil
	l.room.Broadcast()
	l.mu.Unlock()
	if len(b) > 0 {
		if _, err := l.w.Write(b); err != nil {
			l.mu.Lock()
			if l.err == nil {
				l.err = err
			}
			l.mu.Unlock()
		}
	}
	l.mu.Lock()
	if cap(b) <= maxPending*2 {
		l.spare = b[:0]
	}
	l.mu.Unlock()
	return !closed
}

// Close writes the pending lines and stops the goroutine; later writes go
// straight to the writer. It returns the first error the writer gave
// before it; a second Close waits for the first and returns nil.
func (l *LogWriter) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		<-l.done
		return nil
	}
	l.closed = true
	l.room.Broadcast()
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}
