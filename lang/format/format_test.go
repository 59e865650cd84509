package format_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/format"
)

var update = flag.Bool("update", false, "rewrite the out.promo sections of testdata/*.txtar")

// TestGolden formats the in.promo of each testdata/*.txtar and compares the
// result with its out.promo; go test ./lang/format -update rewrites them.
// Each output is also checked for the properties of every formatting (see
// checkFormat), and a case without in.promo errors must have no out.promo.
func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			require.NoError(t, err)
			in, ok := section(ar, "in.promo")
			require.True(t, ok, "%s has no in.promo", path)
			got, diags := format.Source("in.promo", in)
			if diags.HasErrors() {
				require.Nil(t, got, "Source(%s) with errors", path)
				got = []byte(diagText(diags))
				setSection(ar, "out.diags", got)
			} else {
				checkFormat(t, path, in, got)
				setSection(ar, "out.promo", got)
			}
			if *update {
				require.NoError(t, os.WriteFile(path, txtar.Format(ar), 0o666))
				return
			}
			name := "out.promo"
			if diags.HasErrors() {
				name = "out.diags"
			}
			want, _ := section(ar, name)
			assert.Equal(t, string(want), string(got), "Source(%s)", path)
		})
	}
}

func section(ar *txtar.Archive, name string) ([]byte, bool) {
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data, true
		}
	}
	return nil, false
}

// setSection replaces the section name of ar only when -update is set, so
// that a test without -update compares with what the file holds.
func setSection(ar *txtar.Archive, name string, data []byte) {
	if !*update {
		return
	}
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			ar.Files[i].Data = data
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: data})
}

func diagText(ds lang.Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}

// checkFormat checks the properties that every formatting of src, giving
// out, must have: out parses without errors into the same tree as src (but
// for positions and the order of settings), formatting it again changes
// nothing, and it holds the same comments as src.
func checkFormat(t testing.TB, name string, src, out []byte) {
	t.Helper()
	f, diags := lang.Parse(name, out)
	if !assert.Empty(t, diags, "%s: the formatted source does not parse:\n%s", name, out) {
		return
	}
	again := format.File(f, out)
	assert.Equal(t, string(out), string(again), "%s: formatting is not idempotent", name)
	before, _ := lang.Parse(name, src)
	assert.Equal(t, commentTexts(before), commentTexts(f), "%s: the comments changed:\n%s", name, out)
	assert.Equal(t, dumpTree(before), dumpTree(f), "%s: the tree changed:\n%s", name, out)
}

// dumpTree prints a syntax tree without its positions and comments, and
// with the settings of each reward in the canonical order.
func dumpTree(f *lang.File) string {
	var b strings.Builder
	for _, d := range f.Decls {
		dumpValue(&b, reflect.ValueOf(d))
		b.WriteString("\n")
	}
	return b.String()
}

var (
	locType      = reflect.TypeFor[lang.Loc]()
	spanType     = reflect.TypeFor[lang.Span]()
	settingsType = reflect.TypeFor[[]lang.Setting]()
)

func dumpValue(b *strings.Builder, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		dumpValue(b, v.Elem())
	case reflect.Struct:
		b.WriteString(v.Type().Name() + "{")
		for i := range v.NumField() {
			if ft := v.Type().Field(i).Type; ft == locType || ft == spanType {
				continue
			}
			b.WriteString(v.Type().Field(i).Name + ":")
			dumpValue(b, v.Field(i))
			b.WriteString(" ")
		}
		b.WriteString("}")
	case reflect.Slice:
		elems := make([]string, v.Len())
		for i := range v.Len() {
			var e strings.Builder
			dumpValue(&e, v.Index(i))
			elems[i] = e.String()
		}
		if v.Type() == settingsType {
			// Formatting sorts the settings, as their names sort.
			rank := func(s string) int {
				return slices.IndexFunc([]string{"Window", "Round", "Cap", "Minimum", "Approval"}, func(p string) bool { return strings.HasPrefix(s, p) })
			}
			slices.SortStableFunc(elems, func(x, y string) int { return rank(x) - rank(y) })
		}
		b.WriteString("[" + strings.Join(elems, ", ") + "]")
	default:
		fmt.Fprintf(b, "%#v", v.Interface())
	}
}

// commentTexts returns the sorted texts of a file's comments, without their
// trailing blanks, which the formatter removes.
func commentTexts(f *lang.File) []string {
	texts := make([]string, len(f.Comments))
	for i, c := range f.Comments {
		texts[i] = strings.TrimRight(c.Text, " \t")
	}
	slices.Sort(texts)
	return texts
}

// TestParserCorpus formats the in.promo of each of the parser's golden
// files (lang/testdata/parse) that parses without errors, and checks the
// properties of checkFormat; the others must not be formatted.
func TestParserCorpus(t *testing.T) {
	paths, err := filepath.Glob("../testdata/parse/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		ar, err := txtar.ParseFile(path)
		require.NoError(t, err)
		in, ok := section(ar, "in.promo")
		if !ok {
			continue
		}
		out, diags := format.Source(path, in)
		if diags.HasErrors() {
			assert.Nil(t, out, "%s", path)
			continue
		}
		checkFormat(t, path, in, out)
	}
}
