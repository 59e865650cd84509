package format_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/format"
)

// BenchmarkFormat10kLines formats a file of 10,000 lines or more, made of
// the examples repeated (the formatter does not mind the repeated names).
// Source is what promoc fmt does per file, parsing included; File is the
// printing alone.
func BenchmarkFormat10kLines(b *testing.B) {
	src := bigSource(b, 10000)
	b.Run("Source", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		for b.Loop() {
			if _, diags := format.Source("big.promo", src); diags.HasErrors() {
				b.Fatal(diags)
			}
		}
	})
	b.Run("File", func(b *testing.B) {
		f, diags := lang.Parse("big.promo", src)
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		for b.Loop() {
			format.File(f, src)
		}
	})
}

// bigSource concatenates the examples until the result has at least n
// lines.
func bigSource(b *testing.B, n int) []byte {
	paths, err := filepath.Glob("../../examples/*/*.promo")
	if err != nil || len(paths) == 0 {
		b.Fatal("no examples", err)
	}
	var buf bytes.Buffer
	for bytes.Count(buf.Bytes(), []byte("\n")) < n {
		for _, p := range paths {
			src, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			buf.Write(src)
			buf.WriteString("\n")
		}
	}
	return buf.Bytes()
}
