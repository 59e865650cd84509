package server

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/promotest"
	"github.com/promoc/promoc/runtime/store"
)

// tarType is the media type of a rule set sent as a tar archive.
const tarType = "application/x-tar"

// CheckedRuleSet is a rule set that parsed, checked and passed its tests:
// ready to be deployed.
type CheckedRuleSet struct {
	Program *runtime.Program
	// Files are what is kept of it: the rule files and test files (the
	// *.promo files of its top directory) and the fixtures its tests load,
	// by name.
	Files []store.RuleSetFile
	// Ignored are the files given that are none of those, by name.
	Ignored  []string
	Tests    int // the tests run; all passed
	Warnings lang.Diagnostics
}

// Version is the rule set's version, its content hash.
func (c *CheckedRuleSet) Version() string { return c.Program.Version() }

// CheckRuleSet parses and checks a rule set given as files (names relative
// to the rule set's directory, with forward slashes: "rules.promo",
// "rules_test.promo", "fixtures/day1.jsonl") and runs its tests. The
// *.promo files of the top directory are its rule files and test files;
// the others are kept when a test loads them, and ignored otherwise. A
// rule set that does not check is an [*Error] 422 invalid-rule-set whose
// details list the diagnostics, each with its file, line and column; one
// whose tests fail, 422 rule-set-tests-failed with the failures and the
// report of promoc test.
func CheckRuleSet(ctx context.Context, files map[string][]byte) (*CheckedRuleSet, error) {
	c, suite, err := loadRuleSet(files, nil)
	if err != nil {
		return nil, err
	}
	rep := suite.Run(ctx, promotest.Options{})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if rep.Failed() > 0 {
		return nil, testsFailed(rep)
	}
	c.Tests = rep.Passed()
	return c, nil
}

// ReadRuleSetDir reads the rule set of directory dir as promoc serve
// records it when it starts: its rule files, its test files and the
// fixtures the tests load (read as far as the tests parse; a test file
// that does not check costs only its fixtures). It runs no test.
func ReadRuleSetDir(dir string) ([]store.RuleSetFile, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	fsys := root.FS()
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".promo") {
			continue
		}
		if files[e.Name()], err = runtime.ReadFile(fsys, e.Name()); err != nil {
			return nil, err
		}
	}
	c, _, err := loadRuleSet(files, fsys)
	if c == nil {
		return nil, err
	}
	return c.Files, nil
}

// loadRuleSet compiles the rule set of files and its tests, reading each
// fixture from files, or from fixtures when given. It returns what is kept
// of the files (after a failure too, as far as it got, for
// ReadRuleSetDir) and the suite.
func loadRuleSet(files map[string][]byte, fixtures fs.FS) (*CheckedRuleSet, *promotest.Suite, error) {
	if err := checkNames(files); err != nil {
		return nil, nil, err
	}
	var rules, tests []runtime.Source
	c := &CheckedRuleSet{}
	kept := map[string][]byte{}
	for name, data := range files {
		switch {
		case path.Dir(name) != "." || !strings.HasSuffix(name, ".promo"):
			continue
		case promotest.IsTestFile(name):
			tests = append(tests, runtime.Source{Name: name, Text: data})
		default:
			rules = append(rules, runtime.Source{Name: name, Text: data})
		}
		kept[name] = data
	}
	read := func(name string) ([]byte, error) {
		var data []byte
		var err error
		if d, ok := files[name]; ok && fixtures == nil {
			data = d
		} else if fixtures != nil {
			data, err = runtime.ReadFile(fixtures, name)
		} else {
			err = &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
		}
		if err == nil {
			kept[name] = data
		}
		return data, err
	}
	finish := func() {
		for name, data := range kept {
			c.Files = append(c.Files, store.RuleSetFile{Name: name, Data: data})
		}
		sort.Slice(c.Files, func(i, j int) bool { return c.Files[i].Name < c.Files[j].Name })
		for name := range files {
			if _, ok := kept[name]; !ok {
				c.Ignored = append(c.Ignored, name)
			}
		}
		sort.Strings(c.Ignored)
	}
	if len(rules) == 0 {
		finish()
		return c, nil, errorf(http.StatusUnprocessableEntity, CodeInvalidRuleSet,
			"no rule files: expected *.promo files at the top of the rule set (those in folders are not read)").with("files", names(files))
	}
	suite, err := promotest.New(".", rules, tests, promotest.WithReadFile(read))
	finish()
	if err != nil {
		return c, nil, invalidRuleSet(err)
	}
	c.Program, c.Warnings = suite.Program(), suite.Warnings()
	return c, suite, nil
}

// checkNames refuses names that are not clean relative paths, and files
// over the bounds of lang/limits.
func checkNames(files map[string][]byte) error {
	var total int64
	for name, data := range files {
		if name == "" || !utf8.ValidString(name) || strings.ContainsAny(name, "\\\x00") || path.IsAbs(name) ||
			path.Clean(name) != name || name == "." || name == ".." || strings.HasPrefix(name, "../") {
			return errorf(http.StatusUnprocessableEntity, CodeInvalidRuleSet,
				"file name %q: expected a relative path with forward slashes, such as rules.promo or fixtures/day1.jsonl", name).with("file", name)
		}
		if len(data) > limits.FileBytes {
			return errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "%s: %d bytes: at most %d a file", name, len(data), limits.FileBytes).
				with("file", name).with("limit", limits.FileBytes)
		}
		if total += int64(len(data)); total > limits.RuleSetBytes {
			return errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "the rule set's files are over %d bytes together", limits.RuleSetBytes).
				with("limit", limits.RuleSetBytes)
		}
	}
	return nil
}

func names(files map[string][]byte) []string {
	out := make([]string, 0, len(files))
	for n := range files {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// diagnostic is a diagnostic as the API shows it.
type diagnostic struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	EndLine  int    `json:"end_line"`
	EndCol   int    `json:"end_col"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

func diagnosticsOf(ds lang.Diagnostics) []diagnostic {
	out := make([]diagnostic, 0, len(ds))
	for _, d := range ds {
		out = append(out, diagnostic{File: d.File, Line: d.Span.Start.Line, Col: d.Span.Start.Col, EndLine: d.Span.End.Line,
			EndCol: d.Span.End.Col, Severity: d.Severity.String(), Code: string(d.Code), Message: d.Message})
	}
	return out
}

// invalidRuleSet is the 422 of a rule set that does not parse or check:
// its message is the first error, file:line:col: message [code].
func invalidRuleSet(err error) error {
	var rerr *runtime.Error
	if !errors.As(err, &rerr) {
		return err
	}
	if len(rerr.Diagnostics) == 0 {
		return errorf(http.StatusUnprocessableEntity, CodeInvalidRuleSet, "%s", rerr.Msg)
	}
	first := rerr.Diagnostics[0]
	n := 0
	for _, d := range rerr.Diagnostics {
		if d.Severity == lang.Error {
			if n == 0 {
				first = d
			}
			n++
		}
	}
	msg := first.String()
	if n > 1 {
		msg += fmt.Sprintf(" (and %s more)", plural(n-1, "error", "errors"))
	}
	return errorf(http.StatusUnprocessableEntity, CodeInvalidRuleSet, "%s", msg).with("diagnostics", diagnosticsOf(rerr.Diagnostics))
}

// testFailure is a failed test as the API shows it.
type testFailure struct {
	Test    string       `json:"test"`
	File    string       `json:"file"`
	Line    int          `json:"line"`
	Col     int          `json:"col"`
	Problem string       `json:"problem,omitempty"`
	Checks  []checkFault `json:"checks,omitempty"`
}

// checkFault is an expect clause that did not hold.
type checkFault struct {
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
}

// testsFailed is the 422 of a rule set whose tests fail: the message
// names the first failure, file:line:col, and the details hold every
// failure and promoc test's report.
func testsFailed(rep *promotest.Report) error {
	var fails []testFailure
	for _, r := range rep.Results {
		if r.Passed {
			continue
		}
		f := testFailure{Test: r.Name, File: r.File, Line: r.Pos.Line, Col: r.Pos.Col, Problem: r.Problem}
		for _, c := range r.Checks {
			if !c.Passed {
				f.Checks = append(f.Checks, checkFault{Line: c.Pos.Line, Col: c.Pos.Col, Expected: c.Expected, Actual: c.Actual})
			}
		}
		fails = append(fails, f)
	}
	f := fails[0]
	what := f.Problem
	if len(f.Checks) > 0 {
		c := f.Checks[0]
		what = fmt.Sprintf("%s:%d:%d: expected %s, got %s", f.File, c.Line, c.Col, c.Expected, c.Actual)
	}
	var report bytes.Buffer
	rep.WriteText(&report, false)
	return errorf(http.StatusUnprocessableEntity, CodeRuleSetTestsFailed, "%d of %s failed: %s:%d:%d: test %q: %s",
		rep.Failed(), plural(len(rep.Results), "test", "tests"), f.File, f.Line, f.Col, f.Test, what).
		with("failures", fails).with("passed", rep.Passed()).with("failed", rep.Failed()).with("report", report.String())
}

// ruleSetBody reads the files of a rule set from a request's body: a tar
// archive (application/x-tar; regular files and folders only), or JSON,
// {"files": {"rules.promo": "text", ...}}.
func ruleSetBody(q *request) (map[string][]byte, error) {
	if ct := q.Header.Get("Content-Type"); strings.HasPrefix(ct, tarType) {
		return readTar(q.body)
	}
	var in struct {
		Files map[string]string `json:"files"`
	}
	if err := decodeBody(q.body, &in); err != nil {
		return nil, err
	}
	if len(in.Files) == 0 {
		return nil, errorf(http.StatusBadRequest, CodeInvalidJSON, "files: expected an object of file name to text, such as {\"rules.promo\": \"...\"}").
			with("field", "files")
	}
	files := make(map[string][]byte, len(in.Files))
	for name, text := range in.Files {
		files[name] = []byte(text)
	}
	return files, nil
}

// readTar reads the regular files of a tar archive, a leading ./ taken off
// their names; folders are skipped, anything else refused.
func readTar(body []byte) (map[string][]byte, error) {
	files := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(body))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errorf(http.StatusBadRequest, CodeInvalidArchive, "reading the tar archive: %v", err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		switch h.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		default:
			return nil, errorf(http.StatusBadRequest, CodeInvalidArchive, "%s: not a regular file (tar type %q): send the rule set's files only", h.Name, h.Typeflag).
				with("file", h.Name)
		}
		if _, dup := files[name]; dup {
			return nil, errorf(http.StatusBadRequest, CodeInvalidArchive, "%s: twice in the archive", h.Name).with("file", h.Name)
		}
		data, err := io.ReadAll(io.LimitReader(tr, limits.FileBytes+1))
		if err != nil {
			return nil, errorf(http.StatusBadRequest, CodeInvalidArchive, "%s: %v", h.Name, err).with("file", h.Name)
		}
		files[name] = data
	}
	if len(files) == 0 {
		return nil, errorf(http.StatusBadRequest, CodeInvalidArchive, "an archive with no file: expected the rule set's files")
	}
	return files, nil
}
