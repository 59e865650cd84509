package store

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// IDFault describes what makes an id a person types unfit as new input,
// a player's id (an event's, a player record's, promoc offers assign's) or
// an event's id: not UTF-8, a control character (a tab, a line break), an
// invisible character ([Invisible], the bidirectional controls among
// them), or a space at its start or end, each of which makes "p1" and an
// id that shows as "p1" two players. "" for an id without any. The
// empty id is the caller's to refuse (missing). Ids already stored are
// not checked again: a store keeps what it holds.
func IDFault(id string) string {
	if !utf8.ValidString(id) {
		return "not UTF-8"
	}
	for _, r := range id {
		switch {
		case r >= ' ' && r < 0x7f:
			// Printable ASCII, most ids: neither control nor invisible.
		case unicode.IsControl(r):
			return fmt.Sprintf("%U, a control character, in an id: expected printable text", r)
		case Invisible(r):
			return fmt.Sprintf("%U, an invisible character, in an id: it makes the id shown differ from the id read", r)
		}
	}
	if first, _ := utf8.DecodeRuneInString(id); unicode.IsSpace(first) {
		return "a space at the start of an id: expected none around it"
	}
	if last, _ := utf8.DecodeLastRuneInString(id); unicode.IsSpace(last) {
		return "a space at the end of an id: expected none around it"
	}
	return ""
}
