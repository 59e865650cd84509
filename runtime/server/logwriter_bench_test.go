package server_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/server"
)

// BenchmarkRequestLog writes a request's log line, as the server's
// middleware writes it, from 64 goroutines to a file: straight (one write
// a line, under the handler's lock) and through a LogWriter. ns/op is the
// wall time of a line on the machine's cores, its CPU when they are busy.
func BenchmarkRequestLog(b *testing.B) {
	for _, tc := range []struct {
		name string
		wrap func(io.Writer) (io.Writer, func() error)
	}{
		{"direct", func(w io.Writer) (io.Writer, func() error) { return w, func() error { return nil } }},
		{"logwriter", func(w io.Writer) (io.Writer, func() error) { l := server.NewLogWriter(w); return l, l.Close }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "serve.log"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			w, closeLog := tc.wrap(f)
			log := server.NewLogger(w, "json")
			b.ReportAllocs()
			b.SetParallelism(32)
			b.ResetTimer()
			cpu := processCPU(b)
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					log.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("method", "GET"), slog.String("path", "/t/casino"),
						slog.Int("status", 302), slog.Duration("duration", 1200*time.Microsecond), slog.String("key", ""),
						slog.String("remote", "127.0.0.1:51234"))
				}
			})
			if err := closeLog(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(processCPU(b)-cpu)/float64(b.N), "cpu-ns/line")
		})
	}
}

// processCPU is the process's CPU time (user and system) so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
