package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
)

// A ruleSet is the rule files of one directory, analyzed or compiled
// together.
type ruleSet struct {
	dir   string           // as printed: as given, cleaned, with /
	osDir string           // as opened
	srcs  []runtime.Source // Name is dir/base; sorted by Name
	bytes int64            // read for the rule set, tests included
	// only holds the files whose diagnostics check reports: those named on
	// the command line. nil reports every file.
	only map[string]bool
}

// reports says whether check prints the diagnostics of file. Diagnostics
// without a file belong to the whole rule set and are always printed.
func (rs *ruleSet) reports(file string) bool {
	return rs.only == nil || file == "" || rs.only[file]
}

// paths resolves command-line paths and names them as promoc prints them:
// as the user gave them, cleaned, with forward slashes.
type paths struct{}

// openArg opens the file a command's argument names, or stdin for "-":
// the reader (a byte order mark at its start skipped), its name as promoc
// prints it, its size when it is a regular
// file (0 otherwise), and the function that closes it. A directory is a
// usage error that says what was expected (what: "a JSON Lines file of
// events").
func openArg(stdin io.Reader, name, what string) (r io.Reader, shown string, size int64, closeFn func(), err error) {
	if name == "-" {
		return skipBOM(stdin), "stdin", 0, func() {}, nil
	}
	var p paths
	f, err := os.Open(name)
	if err != nil {
		return nil, "", 0, nil, p.pathError(name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, "", 0, nil, p.pathError(name, err)
	}
	if fi.IsDir() {
		f.Close()
		return nil, "", 0, nil, usageErrorf("%s: is a directory: expected %s", p.display(name), what)
	}
	if fi.Mode().IsRegular() {
		size = fi.Size()
	}
	return skipBOM(f), p.display(name), size, func() { f.Close() }, nil
}

// skipBOM drops a UTF-8 byte order mark at the start of r: Windows tools
// write one before UTF-8 text, and rule files and voucher files skip it
// too. One anywhere else is read as it is. The start is looked at on the
// first read, not before.
func skipBOM(r io.Reader) io.Reader { return &bomSkipper{r: r} }

// bomSkipper is skipBOM's reader: its first read looks at the start.
type bomSkipper struct {
	r       io.Reader
	started bool
}

func (b *bomSkipper) Read(p []byte) (int, error) {
	if !b.started {
		b.started = true
		br := bufio.NewReader(b.r)
		if head, err := br.Peek(3); err == nil && string(head) == "\uFEFF" {
			br.Discard(3)
		}
		b.r = br
	}
	return b.r.Read(p)
}

// display returns the name under which promoc prints an OS path: the path
// as given (an absolute path stays absolute), cleaned, with forward
// slashes.
func (p paths) display(name string) string {
	return filepath.ToSlash(filepath.Clean(name))
}

// isPattern reports whether a path argument is DIR/... (or ...).
func isPattern(arg string) bool {
	arg = filepath.ToSlash(arg)
	return arg == "..." || strings.HasSuffix(arg, "/...")
}

// ruleSets resolves the arguments of check: files, directories and DIR/...
// patterns. Arguments naming the same directory share one rule set; a
// directory, or a pattern reaching it, reports all its files.
func (p paths) ruleSets(args []string) ([]*ruleSet, error) {
	sets := map[string]*ruleSet{}
	whole := func(osDir string) {
		dir := p.display(osDir)
		if rs := sets[dir]; rs != nil {
			rs.only = nil
			return
		}
		sets[dir] = &ruleSet{dir: dir, osDir: osDir}
	}
	for _, arg := range args {
		switch {
		case isPattern(arg):
			dirs, err := p.walk(arg)
			if err != nil {
				return nil, err
			}
			for _, d := range dirs {
				whole(d)
			}
		default:
			fi, err := os.Stat(arg)
			if err != nil {
				return nil, p.pathError(arg, err)
			}
			if fi.IsDir() {
				whole(arg)
				continue
			}
			if err := p.checkRuleFile(arg); err != nil {
				return nil, err
			}
			osDir := filepath.Dir(arg)
			dir := p.display(osDir)
			rs := sets[dir]
			if rs == nil {
				rs = &ruleSet{dir: dir, osDir: osDir, only: map[string]bool{}}
				sets[dir] = rs
			}
			if rs.only != nil {
				rs.only[p.display(arg)] = true
			}
		}
	}
	out := make([]*ruleSet, 0, len(sets))
	for _, rs := range sets {
		if err := p.load(rs); err != nil {
			return nil, err
		}
		out = append(out, rs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].dir < out[j].dir })
	return out, nil
}

// walk returns the directories under the root of a DIR/... pattern that
// hold rule files. As with Go's ./..., it skips directories named testdata
// or beginning with . or _ (but not the root itself).
func (p paths) walk(pattern string) ([]string, error) {
	dirs, _, err := p.walkFiles(pattern, runtime.IsRuleFile)
	if err == nil && len(dirs) == 0 {
		err = usageErrorf("%s: matched no .promo files", filepath.ToSlash(pattern))
	}
	return dirs, err
}

// walkFiles returns the directories under the root of a DIR/... pattern
// that hold files keep accepts, skipping those walk skips, and whether the
// tree holds any .promo file at all.
func (p paths) walkFiles(pattern string, keep func(string) bool) (dirs []string, promo bool, err error) {
	root := strings.TrimSuffix(strings.TrimSuffix(filepath.ToSlash(pattern), "..."), "/")
	if root == "" {
		root = "."
	}
	root = filepath.FromSlash(root)
	fi, err := os.Stat(root)
	if err != nil {
		return nil, false, p.pathError(root, err)
	}
	if !fi.IsDir() {
		return nil, false, usageErrorf("%s: not a directory: expected DIR/...", p.display(pattern))
	}
	err = filepath.WalkDir(root, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return p.pathError(name, err)
		}
		if d.IsDir() {
			base := d.Name()
			if name != root && skippedDir(base) {
				return filepath.SkipDir
			}
			return nil
		}
		promo = promo || strings.HasSuffix(name, ".promo")
		if keep(name) {
			dir := filepath.Dir(name)
			if len(dirs) == 0 || dirs[len(dirs)-1] != dir {
				dirs = append(dirs, dir)
			}
		}
		return nil
	})
	return dirs, promo, err
}

// ruleSetOf resolves the PATH of eval and disasm: a directory, or a rule
// file standing for its directory.
func (p paths) ruleSetOf(arg string) (*ruleSet, error) {
	if isPattern(arg) {
		return nil, usageErrorf("%s: expected one rule set, a directory or a .promo file, not a pattern", filepath.ToSlash(arg))
	}
	fi, err := os.Stat(arg)
	if err != nil {
		return nil, p.pathError(arg, err)
	}
	osDir := arg
	if !fi.IsDir() {
		if err := p.checkRuleFile(arg); err != nil {
			return nil, err
		}
		osDir = filepath.Dir(arg)
	}
	rs := &ruleSet{dir: p.display(osDir), osDir: osDir}
	if err := p.load(rs); err != nil {
		return nil, err
	}
	return rs, nil
}

// checkRuleFile rejects a file argument that is not a rule file.
func (p paths) checkRuleFile(arg string) error {
	if runtime.IsRuleFile(arg) {
		return nil
	}
	if strings.HasSuffix(arg, "_test.promo") {
		return usageErrorf("%s: is a test file: expected a rule file (*.promo, not *_test.promo)", p.display(arg))
	}
	return usageErrorf("%s: not a rule file: expected a .promo file or a directory", p.display(arg))
}

// load reads the rule files of rs's directory, not recursively: each
// directory is a rule set of its own.
func (p paths) load(rs *ruleSet) error {
	srcs, err := p.readDir(rs.osDir, rs.dir, runtime.IsRuleFile, &rs.bytes)
	if err != nil {
		return err
	}
	if len(srcs) == 0 {
		return p.noRuleFiles(rs.osDir)
	}
	rs.srcs = append(rs.srcs, srcs...)
	return nil
}

// noRuleFiles is the error for a directory argument without rule files. A
// directory is one rule set, not a tree, for check, test and fmt alike; when
// directories below it hold .promo files, the error suggests DIR/..., as
// the Go tools ask for ./... .
func (p paths) noRuleFiles(osDir string) error {
	dir := p.display(osDir)
	entries, _ := os.ReadDir(osDir)
	for _, e := range entries {
		if isPromoFile(e.Name()) {
			return usageErrorf("%s: no rule files, only test files: a rule set's *.promo files go beside its *_test.promo files", dir)
		}
	}
	if promoBelow(osDir, promoBelowEntries) {
		return usageErrorf("%s: no .promo files: a directory is one rule set, not a tree; use %s/... for the directories below it", dir, dir)
	}
	return usageErrorf("%s: no .promo files", dir)
}

// skippedDir reports whether a DIR/... pattern skips the directories
// named base below DIR, as the Go tools do: testdata, and the names that
// start with . or _.
func skippedDir(base string) bool {
	return base == "testdata" || strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_")
}

// promoBelowEntries bounds the walk of promoBelow: promoc check / must not
// walk the whole file system to word its error.
const promoBelowEntries = 10_000

// promoBelow reports whether a directory below osDir (skipping those a
// DIR/... pattern skips) holds a .promo file, looking at no more than
// limit entries.
func promoBelow(osDir string, limit int) bool {
	found, seen := false, 0
	_ = filepath.WalkDir(osDir, func(name string, d fs.DirEntry, err error) error {
		if seen++; err != nil || seen > limit {
			return fs.SkipAll
		}
		if d.IsDir() {
			base := d.Name()
			if name != osDir && skippedDir(base) {
				return filepath.SkipDir
			}
			return nil
		}
		if isPromoFile(name) {
			found = true
			return fs.SkipAll
		}
		return nil
	})
	return found
}

// readDir reads the files of directory osDir whose names keep accepts,
// naming them under dir as printed. Only regular files are read, each
// within limits.FileBytes ([runtime.ReadOSFile]); total adds up the bytes
// read for one rule set, within limits.RuleSetBytes.
func (p paths) readDir(osDir, dir string, keep func(string) bool, total *int64) ([]runtime.Source, error) {
	entries, err := os.ReadDir(osDir)
	if err != nil {
		return nil, p.pathError(osDir, err)
	}
	var srcs []runtime.Source
	for _, e := range entries {
		if e.IsDir() || !keep(e.Name()) {
			continue
		}
		name := filepath.Join(osDir, e.Name())
		text, err := runtime.ReadOSFile(name)
		if err != nil {
			return nil, p.pathError(name, err)
		}
		if *total += int64(len(text)); *total > limits.RuleSetBytes {
			return nil, usageErrorf("rule set %s: %v", dir, &runtime.TooLargeError{Limit: limits.RuleSetBytes, Name: "RuleSetBytes"})
		}
		srcs = append(srcs, runtime.Source{Name: path.Join(dir, e.Name()), Text: text})
	}
	return srcs, nil
}

// pathError reports an unreadable path as bad usage, naming it as printed.
func (p paths) pathError(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return usageErrorf("%s: %v", p.display(name), err)
}

// reportCompileError prints the diagnostics of a failed compilation on w,
// as check does, and returns the error that ends the command: exit 1 for
// diagnostics, exit 1 with the message for other compile failures.
func reportCompileError(w io.Writer, err error, srcs []runtime.Source) error {
	var rerr *runtime.Error
	if !errors.As(err, &rerr) || len(rerr.Diagnostics) == 0 {
		return failf("%v", err)
	}
	printText(w, rerr.Diagnostics, newSourceLines(srcs))
	fmt.Fprintln(w, summary(rerr.Diagnostics))
	return errHasErrors
}

// compileRuleSet reads the rule set an argument names and compiles it,
// printing its diagnostics on w as compile does: what eval, disasm, run,
// serve and the other commands on a rule set begin with.
func compileRuleSet(w io.Writer, arg string) (*runtime.Program, error) {
	rs, err := paths{}.ruleSetOf(arg)
	if err != nil {
		return nil, err
	}
	return rs.compile(w)
}

// compile compiles the rule set and prints its warnings on w. On failure
// the error ends the command.
func (rs *ruleSet) compile(w io.Writer) (*runtime.Program, error) {
	prog, err := runtime.CompileSources(rs.srcs)
	if err != nil {
		return nil, reportCompileError(w, err, rs.srcs)
	}
	if ws := prog.Warnings(); len(ws) > 0 {
		printText(w, ws, newSourceLines(rs.srcs))
	}
	return prog, nil
}
