//go:build promoc_pprof

package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/promoc/promoc/runtime/server"
)

// Built only with -tags promoc_pprof, as pprof.go: when PROMOC_TRACE_FILE
// names a file, promoc serve appends to it one line per POST /v1/events
// answered 2xx with an Idempotency-Key, where it spent its time
// (server.RequestTrace): the key, the start in Unix nanoseconds, then the
// marks in nanoseconds since the start (auth, body, key started, decoded,
// submitted, decided, written, answered, sent), the events of its group
// and the keys started with its own. bench/cmd/loadgen -phases reads it.
// The lines are buffered and written every 100 ms.
func init() {
	name := os.Getenv("PROMOC_TRACE_FILE")
	if name == "" {
		return
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintf(os.Stderr, "promoc: PROMOC_TRACE_FILE: %v\n", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	w := bufio.NewWriterSize(f, 1<<20)
	go func() {
		for range time.Tick(100 * time.Millisecond) {
			mu.Lock()
			w.Flush()
			mu.Unlock()
		}
	}()
	var line []byte
	traceRequests = func(t server.RequestTrace) {
		mu.Lock()
		defer mu.Unlock()
		line = append(line[:0], t.Key...)
		line = append(line, ' ')
		line = strconv.AppendInt(line, t.Start.UnixNano(), 10)
		for _, d := range []time.Duration{t.Auth, t.Body, t.KeyStart, t.Decoded, t.Submit, t.Decided, t.Written, t.Answered, t.Sent} {
			line = append(line, ' ')
			line = strconv.AppendInt(line, int64(d), 10)
		}
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(t.Group), 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(t.KeyGroup), 10)
		line = append(line, '\n')
		w.Write(line)
	}
}
