package lsp

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// largeWorkspace writes a rule set of at least lines lines into dir: the
// schema of the examples, and copies of their other files, each copy's
// rewards and constants renamed. It returns the name of one reward file.
func largeWorkspace(tb testing.TB, dir string, lines int) string {
	files := exampleFiles(tb, false)
	var names []string
	for name := range files {
		if name != "schema.promo" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write("schema.promo", files["schema.promo"])
	total := strings.Count(files["schema.promo"], "\n")
	decl := regexp.MustCompile(`(?m)^(reward|const) ([a-z_0-9]+)`)
	for copy := 0; total < lines; copy++ {
		for _, name := range names {
			text := files[name]
			// Rename the declarations, and the uses of the constants.
			for _, m := range decl.FindAllStringSubmatch(text, -1) {
				text = regexp.MustCompile(`\b`+m[2]+`\b`).ReplaceAllString(text, fmt.Sprintf("%s_%d", m[2], copy))
			}
			write(fmt.Sprintf("c%d_%s", copy, name), text)
			total += strings.Count(text, "\n")
		}
	}
	return "c0_tiered_deposit.promo"
}

// BenchmarkDiagnosticsLatency measures, in a workspace of 5,000 lines,
// the time from sending a change of one file to receiving its diagnostics:
// the debounce (the server's default, 50ms), the analysis of the whole
// rule set (only the changed file is parsed again) and the protocol.
func BenchmarkDiagnosticsLatency(b *testing.B) {
	for _, debounce := range []time.Duration{0, time.Millisecond} {
		name := "default-debounce"
		if debounce > 0 {
			name = "no-debounce"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			file := largeWorkspace(b, dir, 5000)
			c := startClient(b, dir, Options{Debounce: debounce})
			c.initialize()
			c.open(file)
			if d := c.diagnostics(file); len(d) != 0 {
				b.Fatalf("the workspace has diagnostics: %v", d[0].Message)
			}
			good := c.text(file)
			bad := strings.Replace(good, "give small_deposit_bonus", "give small_deposit_bonu", 1)
			var lat []time.Duration
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				text, want := good, 0
				if i%2 == 0 {
					text, want = bad, 1
				}
				start := time.Now()
				c.change(file, text)
				if got := len(c.diagnostics(file)); got != want {
					b.Fatalf("%d diagnostics, want %d", got, want)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(lat[len(lat)/2]), "ms-p50")
			b.ReportMetric(ms(lat[len(lat)*9/10]), "ms-p90")
			b.ReportMetric(ms(lat[len(lat)-1]), "ms-max")
		})
	}
}

// TestOnlyChangedFilesAreParsed checks what makes the latency: after a
// change, the trees of the other files are reused.
func TestOnlyChangedFilesAreParsed(t *testing.T) {
	dir := t.TempDir()
	for name, text := range workspace {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := New(Options{})
	defer srv.close()
	rewards, schema := filepath.Join(dir, "rewards.promo"), filepath.Join(dir, "schema.promo")
	srv.mu.Lock()
	set := srv.setFor(rewards, true)
	srv.touch(set, rewards)
	srv.mu.Unlock()
	first := srv.analyze(set)
	srv.mu.Lock()
	set.disk[rewards] += "\n"
	srv.touch(set, rewards)
	srv.mu.Unlock()
	second := srv.analyze(set)
	if first.fileByPath(schema).file != second.fileByPath(schema).file {
		t.Errorf("schema.promo was parsed again although it did not change")
	}
	if first.fileByPath(rewards).file == second.fileByPath(rewards).file {
		t.Errorf("rewards.promo was not parsed again although it changed")
	}
}
