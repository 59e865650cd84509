package lang

import (
	"bytes"
	"reflect"
	"sync"

	"github.com/promoc/promoc/lang/limits"
)

// Reparser parses successive versions of one file, as an editor sends them,
// and parses again only the top-level declarations whose text changed.
// [Reparser.Parse] returns exactly what [Parse] returns for the same bytes:
// the same declarations, comments and diagnostics, at the same positions.
//
// The source is cut into fragments at the lines that begin a top-level
// declaration: a line that starts, in its first column, with kind,
// template, const, reward, test, automation, campaign, payout or
// attribution followed by a blank
// or the end of a word, or with player followed by "{" (player.x starts an
// expression). No token
// spans lines, and none of these words can continue a declaration, so a
// fragment that parses to its end without an error parses the same inside
// its file. A fragment is parsed alone and kept by its text; in the next
// version, a fragment of the same text is reused, its positions moved
// when it moved (a copy: trees are never modified). A line that only looks
// like a declaration (a field named const in a kind block) cuts a block in
// two; the first part then fails to parse, and from the first fragment that
// does not parse to its end, the rest of the file is parsed in one piece, as
// Parse would: the result is the same, only slower.
//
// The limits of a whole file, its bytes, tokens and declarations, are
// Parse's: a file beyond limits.FileBytes, one of limits.Tokens bytes or
// more (each token takes a byte at least), or one that may hold more than
// limits.Declarations declarations, is parsed in one piece. The other
// limits of lang/limits apply within a declaration.
//
// A Reparser is not safe for concurrent use.
type Reparser struct {
	name  string
	frags map[string]*fragment // by text

	// Parsed counts the fragments parsed, and Moved those reused at a
	// new position, by the last call of Parse (for tests and benchmarks).
	Parsed, Moved int
}

// NewReparser returns a Reparser for the file name (as given to [Parse]).
func NewReparser(name string) *Reparser {
	return &Reparser{name: name, frags: map[string]*fragment{}}
}

// fragment is the parse of a run of whole lines of a file, starting at the
// first column of line at.Line.
type fragment struct {
	at       Pos
	decls    []Decl
	comments []*Comment
	tokens   int // File.Tokens of its text
	diags    Diagnostics
	complete bool // it parsed to its end: no syntax error stopped the parse
}

// Parse parses src, the file's text now, as [Parse] would.
func (r *Reparser) Parse(src []byte) (*File, Diagnostics) {
	r.Parsed, r.Moved = 0, 0
	if len(src) > limits.FileBytes || len(src) >= limits.Tokens || mayExceedDeclarations(src) {
		// The limits of a whole file: Parse reports them.
		r.frags = map[string]*fragment{}
		r.Parsed = 1
		return Parse(r.name, src)
	}
	lines := lineStarts(src)
	f := &File{Name: r.name}
	f.Loc = Loc{Pos{Offset: 0, Line: 1, Col: 1}, Pos{Offset: len(src), Line: len(lines), Col: len(src) - lines[len(lines)-1] + 1}}
	var diags Diagnostics
	starts := declStarts(src, lines)
	next := make(map[string]*fragment, len(starts))
	for i, s := range starts {
		e := len(src)
		if i+1 < len(starts) {
			e = starts[i+1]
		}
		at := Pos{Offset: s, Line: lineOf(lines, s), Col: 1}
		text := string(src[s:e])
		fr := r.frags[text]
		switch {
		case fr == nil:
			fr = parseFragment(r.name, src[s:e], at)
			r.Parsed++
		case fr.at != at && len(fr.diags) > 0:
			// A message may name a line: parse it again where it is.
			fr = parseFragment(r.name, src[s:e], at)
			r.Parsed++
		case fr.at != at:
			fr = fr.moved(at)
			r.Moved++
		}
		if !fr.complete {
			// The parse stops inside this fragment, or at the first token
			// of the next one: parse the rest in one piece, as Parse does.
			// The fragments after it are kept for the next version.
			tail := parseFragment(r.name, src[s:], at)
			r.Parsed++
			f.Decls = append(f.Decls, tail.decls...)
			f.Comments = append(f.Comments, tail.comments...)
			f.Tokens += tail.tokens
			diags = append(diags, tail.diags...)
			for j := i + 1; j < len(starts); j++ {
				e := len(src)
				if j+1 < len(starts) {
					e = starts[j+1]
				}
				if old := r.frags[string(src[starts[j]:e])]; old != nil {
					next[string(src[starts[j]:e])] = old
				}
			}
			break
		}
		next[text] = fr
		f.Decls = append(f.Decls, fr.decls...)
		f.Comments = append(f.Comments, fr.comments...)
		f.Tokens += fr.tokens
		diags = append(diags, fr.diags...)
	}
	r.frags = next
	return f, diags
}

// mayExceedDeclarations reports whether src may hold more than
// limits.Declarations keywords that begin a declaration, which Parse
// counts over the whole file: the fragments alone would not see it.
func mayExceedDeclarations(src []byte) bool {
	n := 0
	for _, kw := range []string{"kind", "const", "reward", "test", "template", "player", "automation", "campaign", "payout", "attribution"} {
		n += bytes.Count(src, []byte(kw))
	}
	return n > limits.Declarations
}

// declStarts returns the offsets where the fragments of src start: 0, and
// every line that begins a top-level declaration.
func declStarts(src []byte, lines []int) []int {
	starts := []int{0}
	for _, s := range lines[1:] {
		if beginsDecl(src[s:]) {
			starts = append(starts, s)
		}
	}
	return starts
}

// beginsDecl reports whether a line begins a top-level declaration.
func beginsDecl(line []byte) bool {
	word := 0
	for word < len(line) && (line[word] >= 'a' && line[word] <= 'z') {
		word++
	}
	if word < len(line) && declWordByte(line[word]) {
		return false
	}
	switch string(line[:word]) {
	case "kind", "template", "const", "reward", "test", "automation", "campaign", "payout", "attribution":
		return true
	case "player":
		i := word
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		return i < len(line) && line[i] == '{'
	}
	return false
}

func declWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// parseFragment parses src, a run of whole lines starting at at. A
// fragment without diagnostics is parsed alone and moved to at; one with
// diagnostics is parsed again in place, after blanks that stand for the
// lines before it, since a message may name a line ("on line 5").
func parseFragment(name string, src []byte, at Pos) *fragment {
	start := Pos{Offset: 0, Line: 1, Col: 1}
	f, diags := Parse(name, src)
	if len(diags) > 0 && at != start {
		padded := make([]byte, at.Offset+len(src))
		for i := range at.Offset {
			padded[i] = ' '
		}
		for i := range at.Line - 1 {
			padded[at.Offset-1-i] = '\n'
		}
		copy(padded[at.Offset:], src)
		f, diags = Parse(name, padded)
		fr := &fragment{at: at, decls: f.Decls, comments: f.Comments, tokens: f.Tokens, diags: diags}
		fr.complete = !diags.HasErrors() || !stopped(padded[at.Offset:], f, at.Offset)
		return fr
	}
	fr := &fragment{at: start, decls: f.Decls, comments: f.Comments, tokens: f.Tokens, diags: diags}
	fr.complete = !diags.HasErrors() || !stopped(src, f, 0)
	if at != start {
		fr = fr.moved(at)
	}
	return fr
}

// stopped reports whether a syntax error stopped the parse of src into f,
// whose offsets are base more than src's:
// then a token other than a comment follows the last complete declaration
// (the start of the declaration that failed, or a stray token).
func stopped(src []byte, f *File, base int) bool {
	end := 0
	if n := len(f.Decls); n > 0 {
		end = f.Decls[n-1].Span().End.Offset - base
	}
	for _, t := range Tokens(src[end:]) {
		if t.Kind != TokenComment {
			return true
		}
	}
	return false
}

// moved returns a copy of fr whose positions start at at instead of fr.at.
func (fr *fragment) moved(at Pos) *fragment {
	m := mover{offset: at.Offset - fr.at.Offset, line: at.Line - fr.at.Line}
	out := &fragment{at: at, complete: fr.complete, tokens: fr.tokens}
	out.decls = m.value(reflect.ValueOf(fr.decls)).Interface().([]Decl)
	out.comments = m.value(reflect.ValueOf(fr.comments)).Interface().([]*Comment)
	out.diags = m.value(reflect.ValueOf(fr.diags)).Interface().(Diagnostics)
	return out
}

// mover copies a tree, moving every Pos in it by offset bytes and line
// lines. It copies only what holds a Pos; the rest is shared.
type mover struct {
	offset, line int
}

var posType = reflect.TypeFor[Pos]()

func (m mover) value(v reflect.Value) reflect.Value {
	t := v.Type()
	if !holdsPos(t) {
		return v
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		n := reflect.New(t.Elem())
		n.Elem().Set(v.Elem())
		m.fields(n.Elem())
		return n
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(t).Elem()
		out.Set(m.value(v.Elem()))
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			n.Index(i).Set(m.value(v.Index(i)))
		}
		return n
	case reflect.Array:
		n := reflect.New(t).Elem()
		for i := range v.Len() {
			n.Index(i).Set(m.value(v.Index(i)))
		}
		return n
	case reflect.Struct:
		n := reflect.New(t).Elem()
		n.Set(v)
		m.fields(n)
		return n
	}
	return v
}

// fields moves the fields of s, an addressable struct, in place.
func (m mover) fields(s reflect.Value) {
	if s.Type() == posType {
		p := s.Addr().Interface().(*Pos)
		p.Offset += m.offset
		p.Line += m.line
		return
	}
	for _, i := range posFields(s.Type()) {
		f := s.Field(i)
		if f.Kind() == reflect.Struct {
			m.fields(f)
		} else {
			f.Set(m.value(f))
		}
	}
}

// typeInfo says whether a type can hold a Pos, and which fields of a
// struct can.
type typeInfo struct {
	holds  bool
	fields []int
}

var (
	typeInfos sync.Map // reflect.Type → *typeInfo
	typeMu    sync.Mutex
)

func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	typeMu.Lock()
	defer typeMu.Unlock()
	return infoLocked(t, map[reflect.Type]*typeInfo{})
}

// holdsPos reports whether a value of type t can hold a Pos. An interface
// may hold anything. Unexported fields are copied, not moved: the AST has
// none that holds a position, and the tests compare moved trees with
// parsed ones.
func holdsPos(t reflect.Type) bool { return infoOf(t).holds }

func posFields(t reflect.Type) []int { return infoOf(t).fields }

// infoLocked computes the typeInfo of t; visiting holds the types being
// computed, taken to hold a Pos until proved otherwise.
func infoLocked(t reflect.Type, visiting map[reflect.Type]*typeInfo) *typeInfo {
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	if ti := visiting[t]; ti != nil {
		return ti
	}
	ti := &typeInfo{holds: true}
	visiting[t] = ti
	h := false
	switch t.Kind() {
	case reflect.Interface:
		h = true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		h = infoLocked(t.Elem(), visiting).holds
	case reflect.Struct:
		if t == posType {
			h = true
			break
		}
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && infoLocked(f.Type, visiting).holds {
				ti.fields = append(ti.fields, i)
			}
		}
		h = len(ti.fields) > 0
	}
	ti.holds = h
	typeInfos.Store(t, ti)
	return ti
}
