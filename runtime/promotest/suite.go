package promotest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/vm/currency"
)

// Suite is the compiled tests of one rule set. It is immutable and may run
// any number of times, concurrently too.
type Suite struct {
	dir      string
	prog     *runtime.Program
	info     *compiler.TestInfo
	fixtures map[*lang.LoadClause]*fixture
	warnings lang.Diagnostics
	only     []string // the test files whose tests run; nil for all
}

// fixture is a loaded fixture: an input document or transactions.
type fixture struct {
	doc   *runtime.Input        // a .json input document
	txns  []runtime.Transaction // a .jsonl file
	isDoc bool
	lines []int  // the line of each transaction, of the file or the document
	name  string // the fixture's name: the test's directory joined with its path
}

// Option configures [New].
type Option func(*options)

type options struct {
	// readFile reads the fixture at the local path rel of directory dir.
	readFile func(dir, rel string) ([]byte, error)
}

// WithReadFile reads fixtures with read instead of from the operating
// system's files. A fixture's name is the test file's directory joined with
// the path of its load clause, with forward slashes; New has checked that
// the path stays in that directory. read should refuse what is not a
// regular file and bound what it reads, as [runtime.ReadFile] does.
func WithReadFile(read func(name string) ([]byte, error)) Option {
	return func(o *options) {
		o.readFile = func(dir, rel string) ([]byte, error) { return read(path.Join(dir, rel)) }
	}
}

// IsTestFile reports whether a path names a test file: *_test.promo.
func IsTestFile(p string) bool { return strings.HasSuffix(path.Base(p), "_test.promo") }

// Load reads the rule set of directory dir of fsys: its rule files and its
// test files, not recursively, and makes a suite of it as [New] does.
// Fixtures are read from fsys too.
func Load(fsys fs.FS, dir string) (*Suite, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, &runtime.Error{Msg: err.Error()}
	}
	var rules, tests []runtime.Source
	var total int64
	for _, e := range entries {
		name := path.Join(dir, e.Name())
		if e.IsDir() || !strings.HasSuffix(name, ".promo") {
			continue
		}
		text, err := runtime.ReadFile(fsys, name)
		if err != nil {
			return nil, &runtime.Error{Msg: err.Error()}
		}
		if total += int64(len(text)); total > limits.RuleSetBytes {
			err := &fs.PathError{Op: "read", Path: dir, Err: &runtime.TooLargeError{Limit: limits.RuleSetBytes, Name: "RuleSetBytes"}}
			return nil, &runtime.Error{Msg: err.Error()}
		}
		if IsTestFile(name) {
			tests = append(tests, runtime.Source{Name: name, Text: text})
		} else {
			rules = append(rules, runtime.Source{Name: name, Text: text})
		}
	}
	return New(dir, rules, tests, WithReadFile(func(name string) ([]byte, error) { return runtime.ReadFile(fsys, name) }))
}

// New parses and checks the rule files and test files of one rule set,
// reads the fixtures its tests load, and compiles the rules. dir names the
// rule set in reports. Without [WithReadFile], fixtures are read from the
// operating system, their names taken as paths, with [runtime.ReadFile]
// under an [os.Root] of the test file's directory: a symbolic link cannot
// lead a fixture out of the rule set's directory.
// (CheckTests has made sure that the path of a load clause does not lead
// out of the directory either.)
//
// When a file has a syntax error, the rules or the tests do not check, or a
// fixture cannot be read or decoded, New returns a [*runtime.Error] whose
// Diagnostics hold every error and warning, sorted.
func New(dir string, rules, tests []runtime.Source, opts ...Option) (*Suite, error) {
	o := options{readFile: readOSFixture}
	for _, opt := range opts {
		opt(&o)
	}
	if len(rules) == 0 {
		return nil, &runtime.Error{Msg: dir + ": no rule files: the tests of a directory test its *.promo files"}
	}
	rules, tests = sorted(rules), sorted(tests)
	var diags lang.Diagnostics
	files := make([]*lang.File, len(tests))
	for i, s := range tests {
		f, ds := lang.Parse(s.Name, s.Text)
		files[i] = f
		diags = append(diags, ds...)
	}
	prog, err := runtime.CompileSources(rules)
	if err != nil {
		var rerr *runtime.Error
		if !errors.As(err, &rerr) || len(rerr.Diagnostics) == 0 {
			return nil, err
		}
		return nil, &runtime.Error{Diagnostics: append(diags, rerr.Diagnostics...).Sort()}
	}
	if diags.HasErrors() {
		return nil, &runtime.Error{Diagnostics: append(diags, prog.Warnings()...).Sort()}
	}
	info, cdiags := compiler.CheckTests(files, prog.Info())
	diags = append(diags, cdiags...)
	s := &Suite{dir: dir, prog: prog, info: info, fixtures: map[*lang.LoadClause]*fixture{}}
	if !cdiags.HasErrors() {
		diags = append(diags, s.loadFixtures(o.readFile)...)
	}
	if diags.HasErrors() {
		return nil, &runtime.Error{Diagnostics: append(diags, prog.Warnings()...).Sort()}
	}
	s.warnings = append(slices.Clone(prog.Warnings()), diags...).Sort()
	return s, nil
}

// sorted returns a copy of srcs sorted by name.
func sorted(srcs []runtime.Source) []runtime.Source {
	out := slices.Clone(srcs)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Dir returns the name of the suite's rule set.
func (s *Suite) Dir() string { return s.dir }

// Warnings returns the warnings of the rule set and its tests.
func (s *Suite) Warnings() lang.Diagnostics { return s.warnings }

// Program returns the compiled rule set.
func (s *Suite) Program() *runtime.Program { return s.prog }

// Only returns the suite restricted to the tests of the given test files,
// named as in the suite. The other test files are still part of it: their
// constants are visible to all.
func (s *Suite) Only(files ...string) *Suite {
	c := *s
	c.only = append([]string{}, files...)
	return &c
}

// Len returns the number of tests in the suite.
func (s *Suite) Len() int { return len(s.info.Tests) }

// loadFixtures reads and decodes every fixture, once each, and reports the
// ones that fail at their load clause.
func (s *Suite) loadFixtures(read func(dir, rel string) ([]byte, error)) lang.Diagnostics {
	var diags lang.Diagnostics
	byName := map[string]*fixture{}
	for _, tc := range s.info.Tests {
		for _, cl := range tc.Decl.Clauses {
			l, ok := cl.(*lang.LoadClause)
			if !ok {
				continue
			}
			name := path.Join(path.Dir(tc.File), l.Path.Value)
			if fx := byName[name]; fx != nil {
				s.fixtures[l] = fx
				continue
			}
			fx, msg := decodeFixture(read, path.Dir(tc.File), l.Path.Value)
			if msg == "" {
				msg = s.checkFixture(fx)
			}
			if msg != "" {
				diags.Errorf(tc.File, l.Path.Span(), lang.CodeInvalidFixture, "fixture %s: %s", name, msg)
				continue
			}
			fx.name = name
			byName[name] = fx
			s.fixtures[l] = fx
		}
	}
	return diags
}

func decodeFixture(read func(dir, rel string) ([]byte, error), dir, rel string) (*fixture, string) {
	data, err := read(dir, rel)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, "cannot read it: " + err.Error()
	}
	if path.Ext(rel) == ".jsonl" {
		txns, lines, err := runtime.DecodeTransactionLines(bytes.NewReader(data))
		if err != nil {
			return nil, err.Error()
		}
		return &fixture{txns: txns, lines: lines}, ""
	}
	in, err := runtime.DecodeInput(bytes.NewReader(data))
	if err != nil {
		return nil, err.Error()
	}
	return &fixture{doc: &in, isDoc: true, lines: docTxnLines(data)}, ""
}

// checkFixture checks each transaction of a fixture against the rule set's
// schema on its own, as the runtime will when a test evaluates it: its
// kind, its currency and each attribute's value. What depends on the test
// (the player's currency and rates) is left to the test. The problem names
// the line of the transaction, and the field: "line 3: amount: ..." in a
// JSON Lines file, "line 4: transactions[1].amount: ..." in a document.
func (s *Suite) checkFixture(fx *fixture) string {
	txns := fx.txns
	if fx.isDoc {
		txns = fx.doc.Transactions
	}
	b := s.prog.NewBuilder()
	for i, tx := range txns {
		b.Reset()
		// The transaction's own currency is the player's, so that only its
		// own values are judged; a bad code is reported by Add.
		pl := runtime.Player{ID: "fixture"}
		if _, ok := currency.Parse(tx.Currency); ok {
			pl.Currency = tx.Currency
		}
		if err := b.SetPlayer(pl); err != nil {
			return err.Error() // not reached: the player has no properties
		}
		err := b.Add(tx)
		if err == nil {
			continue
		}
		var ie *runtime.InputError
		if !errors.As(err, &ie) {
			return err.Error()
		}
		field := ie.Field
		if !fx.isDoc {
			// transactions[0].amount: the index is the builder's, not the file's.
			_, field, _ = strings.Cut(field, ".")
		} else {
			field = "transactions[" + strconv.Itoa(i) + "]" + strings.TrimPrefix(field, "transactions[0]")
		}
		where := ""
		if i < len(fx.lines) {
			where = "line " + strconv.Itoa(fx.lines[i]) + ": "
		}
		if field != "" {
			where += field + ": "
		}
		return where + ie.Msg
	}
	return ""
}

// docTxnLines returns the line on which each element of the transactions
// of an input document that decoded begins; nil when it cannot tell.
func docTxnLines(data []byte) []int {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	d := json.NewDecoder(bytes.NewReader(data))
	lineAt := func(off int64) int {
		// The offset is before the comma or blanks that lead to the value.
		rest := data[off:]
		skip := len(rest) - len(bytes.TrimLeft(rest, ", \t\r\n"))
		return bytes.Count(data[:off+int64(skip)], []byte("\n")) + 1
	}
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for d.More() {
		key, err := d.Token()
		if err != nil {
			return nil
		}
		if key != "transactions" {
			var skip json.RawMessage
			if d.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		if t, err := d.Token(); err != nil || t != json.Delim('[') {
			return nil
		}
		var lines []int
		for d.More() {
			lines = append(lines, lineAt(d.InputOffset()))
			var skip json.RawMessage
			if d.Decode(&skip) != nil {
				return nil
			}
		}
		return lines
	}
	return nil
}

// readOSFixture reads the fixture at the local path rel of the directory dir
// (of a test file) from the operating system's files, under an [os.Root] of
// dir, so that no symbolic link leads out of it.
func readOSFixture(dir, rel string) ([]byte, error) {
	if dir == "" {
		dir = "."
	}
	osDir, osRel := filepath.FromSlash(dir), filepath.FromSlash(rel)
	// The root refuses a link out of dir; this says so in words first.
	if real, err := filepath.EvalSymlinks(filepath.Join(osDir, osRel)); err == nil {
		if top, err := filepath.EvalSymlinks(osDir); err == nil {
			if r, err := filepath.Rel(top, real); err != nil || !filepath.IsLocal(r) {
				return nil, errors.New("it is a symbolic link out of the test's directory, to " + filepath.ToSlash(real))
			}
		}
	}
	root, err := os.OpenRoot(osDir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return runtime.ReadFile(root.FS(), rel)
}
