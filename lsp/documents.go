package lsp

import (
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
)

// document is an open editor buffer. It is replaced, never modified.
type document struct {
	uri     protocol.DocumentUri
	path    string // the file's path; for a URI that is not a file, the URI
	version protocol.Integer
	text    string
}

// ruleSet is the files of one directory, analyzed together as `promoc
// check` does: the rule files on disk, with the open buffers in place of
// their files. A buffer that is not a file gets a rule set of its own.
type ruleSet struct {
	dir string

	// Guarded by Server.mu.
	disk    map[string]string // path → text of the rule and test files on disk
	gen     uint64            // counts the changes of the sources
	changed map[string]bool   // paths changed since the last analysis began
	timer   *time.Timer       // the debounced analysis
	snap    *snapshot         // the latest analysis; nil before the first
	good    *snapshot         // the latest analysis in which every file parsed

	// Guarded by run, which lets one analysis of the set run at a time, so
	// that they finish, and publish, in order.
	run       sync.Mutex
	cache     map[string]*sourceFile          // by path: the last parse of each file
	published map[protocol.DocumentUri]string // the diagnostics last published, as JSON
}

// snapshot is one analysis of a rule set. It is immutable, and handlers
// read it without locks.
type snapshot struct {
	gen       uint64
	dir       string
	files     []*sourceFile // sorted by path
	info      *compiler.Info
	tests     *compiler.Info // of the test files; nil when they were not checked
	allParsed bool
}

// use, def, typeOf and constOf read the side tables of the rule files,
// then those of the test files.
func (snap *snapshot) use(id *lang.Ident) *compiler.Symbol {
	if sym := snap.info.Uses[id]; sym != nil || snap.tests == nil {
		return sym
	}
	return snap.tests.Uses[id]
}

func (snap *snapshot) def(id *lang.Ident) *compiler.Symbol {
	if sym := snap.info.Defs[id]; sym != nil || snap.tests == nil {
		return sym
	}
	return snap.tests.Defs[id]
}

func (snap *snapshot) typeOf(e lang.Expr) (compiler.Type, bool) {
	if t, ok := snap.info.Types[e]; ok || snap.tests == nil {
		return t, ok
	}
	t, ok := snap.tests.Types[e]
	return t, ok
}

func (snap *snapshot) constOf(e lang.Expr) *compiler.Value {
	if v := snap.info.Consts[e]; v != nil || snap.tests == nil {
		return v
	}
	return snap.tests.Consts[e]
}

// sourceFile is one file of a snapshot.
type sourceFile struct {
	uri     protocol.DocumentUri
	path    string
	version *protocol.UInteger // of the open document; nil for a file on disk
	text    string
	m       *mapper
	file    *lang.File
	parse   lang.Diagnostics // from lang.Parse
	diags   lang.Diagnostics // every diagnostic of the file
	rule    bool             // a rule file; *_test.promo files are parsed alone
	rp      *lang.Reparser   // parsed file; kept in ruleSet.cache for the next version
}

func (f *sourceFile) parsed() bool { return !f.parse.HasErrors() }

// parseFrom parses f's text, given old, the file's entry in its rule set's
// cache (or nil): old's tree when the text has not changed, else old's
// Reparser's parse, which parses again only the declarations whose text
// changed. Call with the rule set's run lock held.
func (f *sourceFile) parseFrom(old *sourceFile) {
	if old != nil && old.text == f.text {
		f.file, f.parse, f.m, f.rp = old.file, old.parse, old.m, old.rp
		return
	}
	if old != nil {
		f.rp = old.rp
	}
	if f.rp == nil {
		f.rp = lang.NewReparser(f.path)
	}
	f.file, f.parse = f.rp.Parse([]byte(f.text))
	f.m = newMapper(f.text)
}

func (snap *snapshot) fileByPath(path string) *sourceFile {
	i := sort.Search(len(snap.files), func(i int) bool { return snap.files[i].path >= path })
	if i < len(snap.files) && snap.files[i].path == path {
		return snap.files[i]
	}
	return nil
}

// uriPath returns the path of a file URI, or for any other URI the URI
// itself and false.
func uriPath(uri protocol.DocumentUri) (string, bool) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return uri, false
	}
	p := u.Path
	if len(p) >= 3 && p[0] == '/' && p[2] == ':' { // file:///C:/x on Windows
		p = p[1:]
	}
	return filepath.Clean(filepath.FromSlash(p)), true
}

func pathURI(path string) protocol.DocumentUri {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// isRuleFile reports whether an open file joins its directory's rule set:
// every file but *_test.promo ones, whatever its extension, since the
// client decided it is promo.
func isRuleFile(path string) bool {
	return !strings.HasSuffix(filepath.Base(path), "_test.promo")
}

// setFor returns the rule set of a path, loading it from disk the first
// time. Call with s.mu held.
func (s *Server) setFor(path string, isFile bool) *ruleSet {
	dir := path
	if isFile {
		dir = filepath.Dir(path)
	}
	if set := s.sets[dir]; set != nil {
		return set
	}
	set := &ruleSet{dir: dir, disk: map[string]string{}, changed: map[string]bool{},
		cache: map[string]*sourceFile{}, published: map[protocol.DocumentUri]string{}}
	if isFile {
		entries, err := os.ReadDir(dir)
		if err != nil {
			s.logf("reading %s: %v", dir, err)
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".promo") {
				s.readDisk(set, p)
			}
		}
	}
	s.sets[dir] = set
	return set
}

// readDisk reads (or forgets) one file of set from disk: a rule file or a
// test file, only if it is a regular file (a link to /dev/zero or a named
// pipe is never opened) within lang/limits.FileBytes, and only while the
// rule set stays within lang/limits.RuleSetBytes. An editor buffer has no
// bound. Call with s.mu held.
func (s *Server) readDisk(set *ruleSet, path string) {
	delete(set.disk, path)
	if !strings.HasSuffix(path, ".promo") {
		return
	}
	b, err := runtime.ReadOSFile(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.logf("reading %v", err)
		}
		return
	}
	total := len(b)
	for _, text := range set.disk {
		total += len(text)
	}
	if total > limits.RuleSetBytes {
		s.logf("not reading %s: the rule set of %s would be larger than limits.RuleSetBytes", path, set.dir)
		return
	}
	set.disk[path] = string(b)
}

// touch records a change of path in set and schedules its analysis. Call
// with s.mu held.
func (s *Server) touch(set *ruleSet, path string) {
	set.gen++
	set.changed[path] = true
	if s.closed {
		return
	}
	if set.timer == nil {
		set.timer = time.AfterFunc(s.opts.Debounce, func() { s.analyzeInBackground(set) })
	} else {
		set.timer.Reset(s.opts.Debounce)
	}
}

func (s *Server) didOpen(_ *glsp.Context, p *protocol.DidOpenTextDocumentParams) error {
	path, isFile := uriPath(p.TextDocument.URI)
	doc := &document{uri: p.TextDocument.URI, path: path, version: p.TextDocument.Version, text: p.TextDocument.Text}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[doc.uri] = doc
	s.touch(s.setFor(path, isFile), path)
	return nil
}

func (s *Server) didChange(_ *glsp.Context, p *protocol.DidChangeTextDocumentParams) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.docs[p.TextDocument.URI]
	if old == nil {
		return errorf("%s is not open", p.TextDocument.URI)
	}
	text := old.text
	for _, c := range p.ContentChanges {
		switch c := c.(type) {
		case protocol.TextDocumentContentChangeEventWhole:
			text = c.Text
		case protocol.TextDocumentContentChangeEvent:
			// A range in UTF-16 code units of the text as the earlier
			// changes of the list left it (rangeLength is deprecated and
			// ignored).
			if c.Range == nil {
				text = c.Text
				continue
			}
			start, end := newMapper(text).offsets(*c.Range)
			text = text[:start] + c.Text + text[end:]
		}
	}
	doc := &document{uri: old.uri, path: old.path, version: p.TextDocument.Version, text: text}
	s.docs[doc.uri] = doc
	_, isFile := uriPath(doc.uri)
	s.touch(s.setFor(doc.path, isFile), doc.path)
	return nil
}

func (s *Server) didClose(_ *glsp.Context, p *protocol.DidCloseTextDocumentParams) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	doc := s.docs[p.TextDocument.URI]
	if doc == nil {
		return nil
	}
	delete(s.docs, doc.uri)
	path, isFile := uriPath(doc.uri)
	set := s.setFor(path, isFile)
	if isFile {
		s.readDisk(set, path) // the buffer may not have been saved
	}
	s.touch(set, path)
	return nil
}

func (s *Server) didChangeWatchedFiles(_ *glsp.Context, p *protocol.DidChangeWatchedFilesParams) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range p.Changes {
		path, isFile := uriPath(c.URI)
		if !isFile {
			continue
		}
		if set := s.sets[filepath.Dir(path)]; set != nil {
			s.readDisk(set, path)
			s.touch(set, path)
		}
	}
	return nil
}

// walkBounds bound the search for rule sets below the workspace folders,
// for a folder that is a home directory or the root of the file system.
type walkBounds struct {
	entries int // directory entries read, in all
	depth   int // directories below a workspace folder
	sets    int // rule sets found
}

var defaultWalk = walkBounds{entries: 20_000, depth: 8, sets: 200}

// findRuleSets returns the directories below roots that hold rule files,
// in the order of a walk within b that skips testdata, vendor,
// node_modules and the directories whose name starts with . or _ (as
// `promoc check DIR/...` skips them), and does not follow symbolic links.
// It also returns the number of entries read.
func findRuleSets(roots []string, b walkBounds) (dirs []string, entries int) {
	seen := map[string]bool{}
	for _, root := range roots {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			entries++
			switch {
			case len(dirs) >= b.sets || entries > b.entries:
				return filepath.SkipAll
			case err != nil:
				return filepath.SkipDir
			}
			if d.IsDir() {
				name := d.Name()
				if path != root && (name == "testdata" || name == "vendor" || name == "node_modules" ||
					strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
					return filepath.SkipDir
				}
				if rel, err := filepath.Rel(root, path); err == nil && rel != "." && strings.Count(filepath.ToSlash(rel), "/")+1 > b.depth {
					return filepath.SkipDir
				}
				return nil
			}
			if dir := filepath.Dir(path); runtime.IsRuleFile(d.Name()) && !seen[dir] {
				seen[dir] = true
				dirs = append(dirs, dir)
			}
			return nil
		})
	}
	return dirs, entries
}

// loadRoots finds the rule sets below the workspace folders and analyzes
// them, so that the whole workspace has diagnostics and symbols. The
// caller has added 1 to s.loading, which is done once the rule sets are
// known.
func (s *Server) loadRoots(roots []string) {
	loaded := false
	defer func() {
		if !loaded {
			s.loading.Done()
		}
	}()
	dirs, entries := findRuleSets(roots, defaultWalk)
	if entries > defaultWalk.entries || len(dirs) >= defaultWalk.sets {
		s.logf("stopped looking for rule sets below %v after %d entries and %d rule sets", roots, entries, len(dirs))
	}
	var fresh []*ruleSet
	s.mu.Lock()
	for _, dir := range dirs {
		if s.sets[dir] != nil {
			continue
		}
		set := s.setFor(filepath.Join(dir, "x.promo"), true)
		for path := range set.disk {
			set.changed[path] = true
		}
		set.gen++
		fresh = append(fresh, set)
	}
	s.mu.Unlock()
	loaded = true
	s.loading.Done()
	for _, set := range fresh {
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return
		}
		s.analyzeInBackground(set)
	}
}

// sources lists the files of set as they are now. Call with s.mu held.
func (s *Server) sources(set *ruleSet) []*sourceFile {
	byPath := map[string]*sourceFile{}
	for path, text := range set.disk {
		byPath[path] = &sourceFile{uri: pathURI(path), path: path, text: text, rule: isRuleFile(path)}
	}
	for _, doc := range s.docs {
		if doc.path != set.dir && filepath.Dir(doc.path) != set.dir {
			continue
		}
		v := protocol.UInteger(max(doc.version, 0))
		byPath[doc.path] = &sourceFile{uri: doc.uri, path: doc.path, version: &v, text: doc.text, rule: isRuleFile(doc.path)}
	}
	out := make([]*sourceFile, 0, len(byPath))
	for _, f := range byPath {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// snapshot returns the analysis of the rule set of uri as its text is now,
// running the analysis at once if a change is still waiting for it, and
// the file of uri in it (nil when the URI is not part of it).
func (s *Server) snapshot(uri protocol.DocumentUri) (*snapshot, *sourceFile) {
	path, isFile := uriPath(uri)
	s.mu.Lock()
	set := s.setFor(path, isFile)
	s.mu.Unlock()
	snap := s.analyze(set)
	return snap, snap.fileByPath(path)
}

// latest returns the latest analysis of the rule set of uri, whatever
// changed since, and the latest in which every file parsed (or the latest,
// when there is none), without waiting; it analyzes only a set never
// analyzed.
func (s *Server) latest(uri protocol.DocumentUri) (snap, good *snapshot) {
	path, isFile := uriPath(uri)
	s.mu.Lock()
	set := s.setFor(path, isFile)
	snap, good = set.snap, set.good
	s.mu.Unlock()
	if snap == nil {
		snap = s.analyze(set)
	}
	if good == nil {
		good = snap
	}
	return snap, good
}

// text returns the current text of an open document, or "" and false.
func (s *Server) text(uri protocol.DocumentUri) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if doc := s.docs[uri]; doc != nil {
		return doc.text, true
	}
	return "", false
}

// parsed returns the current text of an open document and its tree,
// without checking its rule set: the parse of the latest analysis when the
// text has not changed since, else the file's Reparser's, which then
// serves the next analysis too. ok is false when the document is not open.
func (s *Server) parsed(uri protocol.DocumentUri) (text string, file *lang.File, diags lang.Diagnostics, ok bool) {
	path, isFile := uriPath(uri)
	s.mu.Lock()
	doc := s.docs[uri]
	if doc == nil {
		s.mu.Unlock()
		return "", nil, nil, false
	}
	set := s.setFor(path, isFile)
	s.mu.Unlock()
	set.run.Lock()
	defer set.run.Unlock()
	old := set.cache[path]
	if old != nil && old.text == doc.text {
		return doc.text, old.file, old.parse, true
	}
	f := &sourceFile{uri: doc.uri, path: path, text: doc.text, rule: isRuleFile(path)}
	f.parseFrom(old)
	set.cache[path] = f // a new entry: those of snapshots are never modified
	return f.text, f.file, f.parse, true
}

func (s *Server) analyzeInBackground(set *ruleSet) {
	defer func() {
		if r := recover(); r != nil {
			s.logf("internal error analyzing %s: %v", set.dir, r)
		}
	}()
	s.analyze(set)
}

// analyze brings the analysis of set up to date, publishes its
// diagnostics, and returns it. Only the files that changed since the last
// analysis are parsed again.
func (s *Server) analyze(set *ruleSet) *snapshot {
	set.run.Lock()
	defer set.run.Unlock()
	s.mu.Lock()
	if set.snap != nil && set.snap.gen == set.gen {
		snap := set.snap
		s.mu.Unlock()
		return snap
	}
	gen := set.gen
	files := s.sources(set)
	changed := set.changed
	set.changed = map[string]bool{}
	s.mu.Unlock()

	snap := s.check(set, gen, files)

	s.mu.Lock()
	if set.snap == nil || set.snap.gen < snap.gen {
		set.snap = snap
		if snap.allParsed {
			set.good = snap
		}
	}
	s.mu.Unlock()
	s.publish(set, snap, changed)
	return snap
}

// check parses the files that changed and checks the rule set.
func (s *Server) check(set *ruleSet, gen uint64, files []*sourceFile) *snapshot {
	snap := &snapshot{gen: gen, dir: set.dir, files: files, allParsed: true}
	cache := map[string]*sourceFile{}
	var parsed []runtime.Parsed
	var rules, tests []*sourceFile
	for _, f := range files {
		f.parseFrom(set.cache[f.path])
		cache[f.path] = f
		if !f.parsed() {
			snap.allParsed = false
		}
		if f.rule {
			parsed = append(parsed, runtime.Parsed{File: f.file, Diagnostics: f.parse})
			rules = append(rules, f)
		} else {
			f.diags = f.parse
			tests = append(tests, f)
		}
	}
	set.cache = cache

	a := s.analyzeParsed(set.dir, parsed)
	snap.info = a.Info
	byName := map[string]*sourceFile{}
	for _, f := range rules {
		byName[f.path] = f
	}
	for _, d := range a.Diagnostics {
		if f := byName[d.File]; f != nil {
			f.diags = append(f.diags, d)
		}
	}
	if len(tests) > 0 && !a.Diagnostics.HasErrors() {
		s.checkTests(snap, tests)
	}
	return snap
}

// checkTests checks the test files of a rule set that checks, as `promoc
// test` does (fixtures aside, which are read when the tests run), once
// they all parse: test files share their constants.
func (s *Server) checkTests(snap *snapshot, tests []*sourceFile) {
	files := make([]*lang.File, len(tests))
	byName := map[string]*sourceFile{}
	for i, f := range tests {
		if !f.parsed() {
			return
		}
		files[i] = f.file
		byName[f.path] = f
	}
	defer func() {
		if r := recover(); r != nil {
			s.logf("internal error checking the tests of %s: %v", snap.dir, r)
		}
	}()
	info, diags := compiler.CheckTests(files, snap.info)
	for _, d := range diags {
		if f := byName[d.File]; f != nil {
			f.diags = append(f.diags, d)
		}
	}
	snap.tests = info.Info
}

// analyzeParsed runs runtime.AnalyzeParsed, and should the checker fail,
// logs the failure and falls back to the syntax errors alone, so that the
// server goes on.
func (s *Server) analyzeParsed(dir string, parsed []runtime.Parsed) (a *runtime.Analysis) {
	defer func() {
		if r := recover(); r != nil {
			s.logf("internal error checking %s: %v", dir, r)
			a = &runtime.Analysis{Info: emptyInfo()}
			for _, p := range parsed {
				a.Files = append(a.Files, p.File)
				a.Diagnostics = append(a.Diagnostics, p.Diagnostics...)
			}
			s.mu.Lock()
			warn := !s.warned
			s.warned = true
			s.mu.Unlock()
			if warn {
				s.notify(protocol.ServerWindowShowMessage, protocol.ShowMessageParams{Type: protocol.MessageTypeError,
					Message: "promoc: internal error in the checker; only syntax errors are shown (see the server's log)"})
			}
		}
	}()
	return runtime.AnalyzeParsed(parsed)
}

func emptyInfo() *compiler.Info {
	return &compiler.Info{
		Types:      map[lang.Expr]compiler.Type{},
		Consts:     map[lang.Expr]*compiler.Value{},
		Defs:       map[*lang.Ident]*compiler.Symbol{},
		Uses:       map[*lang.Ident]*compiler.Symbol{},
		Aggregates: map[*lang.AggregateExpr]*compiler.Symbol{},
	}
}

// allSnapshots analyzes every known rule set and returns the analyses,
// sorted by directory. It waits for the rule sets of the workspace folders
// to be found, for a second at most.
func (s *Server) allSnapshots() []*snapshot {
	found := make(chan struct{})
	go func() {
		s.loading.Wait()
		close(found)
	}()
	select {
	case <-found:
	case <-time.After(time.Second):
	}
	s.mu.Lock()
	sets := make([]*ruleSet, 0, len(s.sets))
	for _, set := range s.sets {
		sets = append(sets, set)
	}
	s.mu.Unlock()
	sort.Slice(sets, func(i, j int) bool { return sets[i].dir < sets[j].dir })
	out := make([]*snapshot, len(sets))
	for i, set := range sets {
		out[i] = s.analyze(set)
	}
	return out
}
