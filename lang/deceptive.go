package lang

// The characters that make text shown differ from text read, decided
// here once: the lexer refuses them in strings (and the bidirectional
// controls in comments too), and what holds a reference a person reads
// and types, an offer's reference, refuses the same.

// bidiControls are the bidirectional embeddings, overrides and isolates
// (U+202A to U+202E, U+2066 to U+2069), which reorder the text around
// them as an editor or a review shows it, so that it reads as another
// rule ("Trojan Source"). The marks U+200E and U+200F, which reorder
// nothing around them, are not.
const bidiControls = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

// invisibleInString are the characters text may not hold, since nothing
// shows them: a zero-width space, a word joiner, a byte order mark, a soft
// hyphen (shown only where a line breaks in it). The joiners U+200C and
// U+200D, which Persian, Indic scripts and emoji need, are allowed.
const invisibleInString = "\u200b\u2060\ufeff\u00ad"

// Deceptive describes r when text a person reads may not hold it: "a
// bidirectional control character" or "an invisible character"; "" for
// any other. A string literal refuses them (bad-syntax), and so does an
// offer's reference wherever it is given.
func Deceptive(r rune) string {
	switch {
	case r < 0x80:
		return ""
	case IsBidiControl(r):
		return "a bidirectional control character"
	case isInvisible(r):
		return "an invisible character"
	}
	return ""
}

// IsBidiControl reports a bidirectional embedding, override or isolate,
// refused in strings and comments alike.
func IsBidiControl(r rune) bool {
	for _, c := range bidiControls {
		if r == c {
			return true
		}
	}
	return false
}

func isInvisible(r rune) bool {
	for _, c := range invisibleInString {
		if r == c {
			return true
		}
	}
	return false
}
