package lang

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	for _, path := range exampleFiles(b) {
		src, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strings.TrimSuffix(filepath.Base(path), ".promo"), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, diags := Parse(path, src); len(diags) > 0 {
					b.Fatal(diags)
				}
			}
		})
	}
}

// largeFile concatenates the examples, renaming their declarations, until it
// has at least n lines.
func largeFile(b *testing.B, n int) []byte {
	var srcs [][]byte
	for _, path := range exampleFiles(b) {
		src, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, src)
	}
	var buf bytes.Buffer
	for copy := 0; bytes.Count(buf.Bytes(), []byte("\n")) < n; copy++ {
		for _, src := range srcs {
			s := string(src)
			for _, kw := range []string{"reward ", "kind ", "const ", "template "} {
				s = strings.ReplaceAll(s, "\n"+kw, fmt.Sprintf("\n%s_%d", kw, copy))
			}
			buf.WriteString(s)
			buf.WriteByte('\n')
		}
	}
	return buf.Bytes()
}

// BenchmarkParse10k parses a file of 10,000 lines made of the examples.
func BenchmarkParse10k(b *testing.B) {
	src := largeFile(b, 10000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := Parse("large.promo", src); len(diags) > 0 {
			b.Fatal(diags[0])
		}
	}
}

// BenchmarkParseRules200 parses the 200 rewards of workload 4 of the bench
// module (bench/testdata/rules200.promo).
func BenchmarkParseRules200(b *testing.B) {
	src, err := os.ReadFile("../bench/testdata/rules200.promo")
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := Parse("rules200.promo", src); len(diags) > 0 {
			b.Fatal(diags[0])
		}
	}
}
