package runtime

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner reads a JSON document held in memory, strictly: it is the one
// reader of every input document, so that every caller accepts the same
// inputs. Besides JSON's own rules it rejects invalid UTF-8 in strings.
// Repeated keys are the caller's to find (see keySet). It never builds a
// map or an interface value: callers read keys and values as byte slices.
type scanner struct {
	buf []byte
	pos int
}

// newScanner returns a scanner of the JSON document in data, past a UTF-8
// byte order mark at its start: Windows tools write one before UTF-8 text,
// and promoc skips it there as it does at the start of a rule file. Positions
// in errors still count from the start of data. (A line of JSON Lines is
// scanned as it is: the mark is skipped at the start of the file only.)
func newScanner(data []byte) scanner {
	if bytes.HasPrefix(data, bom) {
		return scanner{buf: data, pos: len(bom)}
	}
	return scanner{buf: data}
}

// bom is the UTF-8 byte order mark.
var bom = []byte{0xef, 0xbb, 0xbf}

// jsonKind is the kind of a JSON value.
type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonObject
	jsonArray
)

// what names a kind as an error says it.
func (k jsonKind) what() string {
	return [...]string{"null", "a boolean", "a number", "a string", "an object", "an array"}[k]
}

// syntaxError is a malformed document, at a byte offset.
func (s *scanner) syntaxError(msg string) error {
	line, col := 1, 1
	for _, c := range s.buf[:min(s.pos, len(s.buf))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &InputError{Msg: fmt.Sprintf("malformed JSON at line %d, column %d (byte %d): %s", line, col, s.pos, msg)}
}

func (s *scanner) ws() {
	for s.pos < len(s.buf) {
		switch s.buf[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// found describes the next byte for an error.
func (s *scanner) found() string {
	if s.pos >= len(s.buf) {
		return "the end of the input"
	}
	c := s.buf[s.pos]
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("byte 0x%02x", c)
	}
	return strconv.Quote(string(c))
}

// expect skips white space and then byte c.
func (s *scanner) expect(c byte, what string) error {
	s.ws()
	if s.pos < len(s.buf) && s.buf[s.pos] == c {
		s.pos++
		return nil
	}
	return s.syntaxError("expected " + what + ", found " + s.found())
}

// peek skips white space and returns the kind of the next value.
func (s *scanner) peek() (jsonKind, error) {
	s.ws()
	if s.pos >= len(s.buf) {
		return 0, s.syntaxError("expected a value, found the end of the input")
	}
	switch c := s.buf[s.pos]; {
	case c == '{':
		return jsonObject, nil
	case c == '[':
		return jsonArray, nil
	case c == '"':
		return jsonString, nil
	case c == 't' || c == 'f':
		return jsonBool, nil
	case c == 'n':
		return jsonNull, nil
	case c == '-' || ('0' <= c && c <= '9'):
		return jsonNumber, nil
	}
	return 0, s.syntaxError("expected a value, found " + s.found())
}

// next starts the next member of an object or element of an array, whose
// opening bracket was read: it reports false at the closing bracket (which
// it reads), and reads the comma between members.
func (s *scanner) next(first *bool, closing byte) (bool, error) {
	s.ws()
	if s.pos < len(s.buf) && s.buf[s.pos] == closing {
		s.pos++
		return false, nil
	}
	if !*first {
		if s.pos < len(s.buf) && s.buf[s.pos] == ',' {
			s.pos++
		} else {
			return false, s.syntaxError(`expected "," or "` + string(closing) + `", found ` + s.found())
		}
	}
	*first = false
	return true, nil
}

// key reads an object key and the colon after it. The key is a view of the
// document, or of a new slice when it has escapes.
func (s *scanner) key() ([]byte, error) {
	s.ws()
	if s.pos >= len(s.buf) || s.buf[s.pos] != '"' {
		return nil, s.syntaxError("expected a key, found " + s.found())
	}
	k, err := s.str()
	if err != nil {
		return nil, err
	}
	return k, s.expect(':', `":"`)
}

// str reads a string at s.pos (a '"') and returns its content: a view of the
// document when it has no escapes, a new slice otherwise.
func (s *scanner) str() ([]byte, error) {
	s.pos++ // the quote
	start := s.pos
	ascii := true
	for s.pos < len(s.buf) {
		c := s.buf[s.pos]
		switch {
		case c == '"':
			v := s.buf[start:s.pos]
			s.pos++
			if !ascii && !utf8.Valid(v) {
				s.pos = start
				return nil, s.syntaxError("invalid UTF-8 in a string")
			}
			return v, nil
		case c == '\\':
			s.pos = start
			return s.escaped()
		case c < 0x20:
			return nil, s.syntaxError("control character in a string")
		case c >= 0x80:
			ascii = false
		}
		s.pos++
	}
	return nil, s.syntaxError("unterminated string")
}

// escaped reads the rest of a string that has escapes, from its first byte.
func (s *scanner) escaped() ([]byte, error) {
	var out []byte
	for s.pos < len(s.buf) {
		c := s.buf[s.pos]
		switch {
		case c == '"':
			s.pos++
			return out, nil
		case c < 0x20:
			return nil, s.syntaxError("control character in a string")
		case c == '\\':
			if s.pos+1 >= len(s.buf) {
				return nil, s.syntaxError("unterminated string")
			}
			e := s.buf[s.pos+1]
			s.pos += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := s.hex4()
				if !ok {
					return nil, s.syntaxError(`invalid \u escape`)
				}
				if utf16.IsSurrogate(r) {
					var r2 rune = -1
					if s.pos+1 < len(s.buf) && s.buf[s.pos] == '\\' && s.buf[s.pos+1] == 'u' {
						s.pos += 2
						if r2, ok = s.hex4(); !ok {
							return nil, s.syntaxError(`invalid \u escape`)
						}
					}
					if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
						return nil, s.syntaxError(`invalid UTF-16 surrogate in a \u escape`)
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				return nil, s.syntaxError("invalid escape " + strconv.Quote(`\`+string(e)))
			}
		case c < 0x80:
			out = append(out, c)
			s.pos++
		default:
			r, n := utf8.DecodeRune(s.buf[s.pos:])
			if r == utf8.RuneError && n <= 1 {
				return nil, s.syntaxError("invalid UTF-8 in a string")
			}
			out = append(out, s.buf[s.pos:s.pos+n]...)
			s.pos += n
		}
	}
	return nil, s.syntaxError("unterminated string")
}

func (s *scanner) hex4() (rune, bool) {
	if s.pos+4 > len(s.buf) {
		return 0, false
	}
	var r rune
	for _, c := range s.buf[s.pos : s.pos+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	s.pos += 4
	return r, true
}

// number reads a number by JSON's grammar and returns its text. Exponents
// are JSON, so they are read here; the readers of amounts reject them.
func (s *scanner) number() ([]byte, error) {
	start := s.pos
	b := s.buf
	i := s.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		s.pos = i
		return nil, s.syntaxError("invalid number: expected a digit, found " + s.found())
	}
	if i < len(b) && b[i] == '.' {
		d := i + 1
		if i = digits(b, d); i == d {
			s.pos = i
			return nil, s.syntaxError("invalid number: expected a digit after the decimal point, found " + s.found())
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		if i = digits(b, d); i == d {
			s.pos = i
			return nil, s.syntaxError("invalid number: expected a digit in the exponent, found " + s.found())
		}
	}
	s.pos = i
	return b[start:i], nil
}

// digits returns the end of the run of decimal digits of b from i.
func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// literal reads true, false or null.
func (s *scanner) literal() (jsonKind, bool, error) {
	for _, l := range [...]struct {
		text string
		kind jsonKind
		val  bool
	}{{"true", jsonBool, true}, {"false", jsonBool, false}, {"null", jsonNull, false}} {
		if len(s.buf)-s.pos >= len(l.text) && string(s.buf[s.pos:s.pos+len(l.text)]) == l.text {
			s.pos += len(l.text)
			return l.kind, l.val, nil
		}
	}
	return 0, false, s.syntaxError("expected a value, found " + s.found())
}

// scalar reads a value that must be a string, a number, a boolean or null:
// its kind, its text (string content or number text) and, for a boolean,
// its value. An object or an array is read (checked) and reported as its
// kind, for the caller to reject with the field's name.
func (s *scanner) scalar(depth int) (jsonKind, []byte, bool, error) {
	k, err := s.peek()
	if err != nil {
		return 0, nil, false, err
	}
	switch k {
	case jsonString:
		v, err := s.str()
		return k, v, false, err
	case jsonNumber:
		v, err := s.number()
		return k, v, false, err
	case jsonBool, jsonNull:
		k, b, err := s.literal()
		return k, nil, b, err
	}
	return k, nil, false, s.skip(depth)
}

// maxDepth bounds the nesting of a document: the input document needs 4.
const maxDepth = 64

// skip reads and checks any value, without keeping it. Nesting is bounded,
// so that a hostile document cannot exhaust the stack.
func (s *scanner) skip(depth int) error {
	if depth > maxDepth {
		return s.syntaxError(fmt.Sprintf("nested deeper than %d", maxDepth))
	}
	k, err := s.peek()
	if err != nil {
		return err
	}
	switch k {
	case jsonString:
		_, err = s.str()
	case jsonNumber:
		_, err = s.number()
	case jsonBool, jsonNull:
		_, _, err = s.literal()
	case jsonObject, jsonArray:
		s.pos++
		closing := byte('}')
		if k == jsonArray {
			closing = ']'
		}
		var keys keySet
		for first := true; ; {
			more, err := s.next(&first, closing)
			if err != nil || !more {
				return err
			}
			if k == jsonObject {
				key, err := s.key()
				if err != nil {
					return err
				}
				if keys.dup(key) {
					return s.syntaxError("repeated key " + strconv.Quote(string(key)))
				}
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
		}
	}
	return err
}

// end checks that nothing but white space follows the document.
func (s *scanner) end() error {
	s.ws()
	if s.pos < len(s.buf) {
		return &InputError{Msg: "more than one JSON document in the input"}
	}
	return nil
}

// keySet finds a repeated key among the keys of one object: by comparison
// while there are few, by a map beyond.
type keySet struct {
	few  [][]byte
	many map[string]struct{}
}

const fewKeys = 16

// dup records k and reports whether it was there before.
func (ks *keySet) dup(k []byte) bool {
	if ks.many != nil {
		if _, ok := ks.many[string(k)]; ok {
			return true
		}
		ks.many[string(k)] = struct{}{}
		return false
	}
	for _, x := range ks.few {
		if string(x) == string(k) {
			return true
		}
	}
	if len(ks.few) < fewKeys {
		ks.few = append(ks.few, k)
		return false
	}
	ks.many = make(map[string]struct{}, 2*fewKeys)
	for _, x := range ks.few {
		ks.many[string(x)] = struct{}{}
	}
	ks.many[string(k)] = struct{}{}
	return false
}

// reset empties the set, keeping its room.
func (ks *keySet) reset() {
	ks.few = ks.few[:0]
	ks.many = nil
}
