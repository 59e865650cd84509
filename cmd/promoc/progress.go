package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progressMin is the size of an event log from which promoc run shows a
// progress bar (on a terminal only).
const progressMin = 4 << 20

// progress draws a bar on a terminal while a long log is read: the share
// of its bytes read, and the rate.
type progress struct {
	w     io.Writer
	in    io.Reader
	size  int64
	read  atomic.Int64
	done  chan struct{}
	wg    sync.WaitGroup
	start time.Time
}

// startProgress starts a bar for reading in (size bytes) on w, when w is a
// terminal and the log is long; otherwise the bar does nothing.
func startProgress(w io.Writer, in io.Reader, size int64) *progress {
	p := &progress{w: w, in: in, size: size, start: time.Now()}
	if size < progressMin || !isTerminal(w) {
		return p
	}
	p.done = make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				fmt.Fprint(p.w, "\r\033[K")
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
	return p
}

// reader is the log, counted as it is read.
func (p *progress) reader() io.Reader {
	if p.done == nil {
		return p.in
	}
	return countingReader{p}
}

type countingReader struct{ p *progress }

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.p.in.Read(b)
	c.p.read.Add(int64(n))
	return n, err
}

const barWidth = 30

func (p *progress) draw() {
	read := p.read.Load()
	share := float64(read) / float64(p.size) // for the eye only
	if share > 1 {
		share = 1
	}
	full := int(share * barWidth)
	rate := float64(read) / time.Since(p.start).Seconds() / (1 << 20)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %.1f MiB/s", strings.Repeat("=", full), strings.Repeat(" ", barWidth-full), share*100, rate)
}

// stop clears the bar.
func (p *progress) stop() {
	if p.done == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
}
