package server_test

import (
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkClickHandler follows tracking links through the handler (the
// request log, the metrics, the parsing of the link, the keyed hash of the
// address, the session and its group commit on SQLite, the redirect) from
// 64 goroutines at once, as many browsers click: what one click costs the
// server besides HTTP's reads and writes (issue 14). B/op and allocs/op
// are a click's; cpu-µs/click is the process's CPU time a click, the
// group commit's included.
func BenchmarkClickHandler(b *testing.B) {
	h := tracked(b)
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32) // 64 goroutines on 2 cores
	b.ResetTimer()
	cpu := processCPU(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", "/t/casino?pub=alpha&sub1=load&sub2=c"+strconv.FormatInt(n.Add(1), 10), nil)
			req.RemoteAddr = "192.0.2.7:51234"
			req.Header.Set("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Mobile/15E148 Safari/604.1")
			rec := httptest.NewRecorder()
			h.h.ServeHTTP(rec, req)
			if rec.Code != 302 {
				b.Errorf("%d: %s", rec.Code, rec.Body)
				return
			}
		}
	})
	b.ReportMetric(float64(processCPU(b)-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/click")
}
