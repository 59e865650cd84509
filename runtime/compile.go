package runtime

import (
	"io/fs"
	"path"
	"strings"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/limits"
)

// Source is one file of a rule set.
type Source struct {
	Name string // the path used in diagnostics
	Text []byte
}

// ReadSources returns the rule files of directory dir of fsys: its *.promo
// files except the *_test.promo ones, sorted by name. A rule set is one
// directory, as for `promoc check`: subdirectories are rule sets of their
// own and are not read. Each file is read with [ReadFile] (regular files
// only, within lang/limits.FileBytes), and all of them together within
// lang/limits.RuleSetBytes.
func ReadSources(fsys fs.FS, dir string) ([]Source, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []Source
	var total int64
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		if e.IsDir() || !IsRuleFile(p) {
			continue
		}
		text, err := ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		if total += int64(len(text)); total > limits.RuleSetBytes {
			return nil, &fs.PathError{Op: "read", Path: dir, Err: &TooLargeError{Limit: limits.RuleSetBytes, Name: "RuleSetBytes"}}
		}
		out = append(out, Source{Name: p, Text: text})
	}
	return out, nil
}

// IsRuleFile reports whether a path names a rule file: *.promo but not
// *_test.promo.
func IsRuleFile(p string) bool {
	base := path.Base(p)
	return strings.HasSuffix(base, ".promo") && !strings.HasSuffix(base, "_test.promo")
}

// Analysis is the result of parsing and checking a rule set, whether or not
// it has errors: what `promoc check` and the language server report.
type Analysis struct {
	Files       []*lang.File // one per source, partial after a syntax error
	Info        *compiler.Info
	Diagnostics lang.Diagnostics // sorted; errors and warnings
}

// Analyze parses every source and checks the rule set. Each file with a
// syntax error reports that error; the files that parse are checked
// together, with the complete declarations of the broken files, so that one
// mistake does not hide the others. While some file does not parse, names
// the checker cannot find are not reported, since they may be declared in
// the part of the broken file that could not be read. (The attributes of a
// kind are always known: a partial tree holds only complete declarations.)
func Analyze(srcs []Source) *Analysis {
	parsed := make([]Parsed, len(srcs))
	for i, s := range srcs {
		parsed[i].File, parsed[i].Diagnostics = lang.Parse(s.Name, s.Text)
	}
	return AnalyzeParsed(parsed)
}

// Parsed is a source parsed by [lang.Parse]: the File and the diagnostics
// Parse returned with it.
type Parsed struct {
	File        *lang.File
	Diagnostics lang.Diagnostics
}

// AnalyzeParsed is [Analyze] for sources parsed already, for callers that
// keep the trees of unchanged files between analyses, as the language
// server does. Check never modifies a tree, so one tree may be analyzed any
// number of times, concurrently too.
func AnalyzeParsed(files []Parsed) *Analysis {
	a := &Analysis{}
	broken := map[string]bool{}
	for _, p := range files {
		a.Files = append(a.Files, p.File)
		if p.Diagnostics.HasErrors() {
			broken[p.File.Name] = true
		}
		a.Diagnostics = append(a.Diagnostics, p.Diagnostics...)
	}
	info, diags := compiler.Check(a.Files, compiler.Config{})
	a.Info = info
	for _, d := range diags {
		if broken[d.File] {
			continue
		}
		if len(broken) > 0 && isUndefined(d.Code) {
			continue
		}
		a.Diagnostics = append(a.Diagnostics, d)
	}
	a.Diagnostics = a.Diagnostics.Sort()
	return a
}

func isUndefined(c lang.Code) bool {
	switch c {
	case lang.CodeUndefinedName, lang.CodeUndefinedKind, lang.CodeUndefinedProperty, lang.CodeUndefinedTemplate:
		return true
	}
	return false
}
