package store

import (
	"errors"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// VoucherCodeChars bounds one voucher code, in characters.
const VoucherCodeChars = 100

// Offer is something a player can be given besides a reward: a free
// spin package, a voucher for a shop. Ref is its key.
type Offer struct {
	Ref         string
	Name        string
	Description string
	// RequiresVouchers: every assignment takes one imported code.
	RequiresVouchers bool
	// NeedsSync: a point-of-sale system confirms an assignment; until it
	// does the assignment is not synchronized.
	NeedsSync bool
	ImageURL  string
	WebPage   string
}

// VoucherImport is what an import of voucher codes did.
type VoucherImport struct {
	Imported int64 // codes new to the offer
	Ignored  int64 // codes seen before, in this import or an earlier one
	// Unassigned is how many codes of the offer no assignment took, after
	// the import.
	Unassigned int64
}

// Assignment is an offer given to a player.
type Assignment struct {
	Ref    string // random, unique
	Offer  string
	Player string
	// Code is the voucher code taken; "" when the offer requires none.
	Code string
	// Synchronized is true when the offer needs no synchronization.
	Synchronized bool
	At           time.Time // UTC
	// Confirmation is the point of sale's own code once it confirmed the
	// assignment, at Confirmed; "" and the zero time until then.
	Confirmation string
	Confirmed    time.Time
	// Erased is set by Confirm when the assignment's player was erased
	// (Eraser.Erase): Player is then the erasure's pseudonym, no player.
	Erased bool
}

// Errors of offers, found with errors.Is.
var (
	// ErrNoOffer: no offer has the reference.
	ErrNoOffer = errors.New("no such offer")
	// ErrNotVoucherOffer: vouchers imported into an offer that requires none.
	ErrNotVoucherOffer = errors.New("the offer does not require vouchers")
	// ErrNoVouchers: fewer unassigned codes than players to assign.
	ErrNoVouchers = errors.New("not enough unassigned voucher codes")
	// ErrNoAssignment: no assignment has the reference.
	ErrNoAssignment = errors.New("no such assignment")
	// ErrConfirmed: an assignment confirmed before with another code.
	ErrConfirmed = errors.New("assignment confirmed before with another code")
	// ErrCodeTaken: a confirmation with a code another assignment of the
	// offer holds (confirmed with it, or given it from the imported codes),
	// or an imported code of the offer not given yet.
	ErrCodeTaken = errors.New("the code is another assignment's of the offer")
	// ErrVoucherCode: a blank code, one not UTF-8, over VoucherCodeChars,
	// with a control or an invisible character ([Invisible]), or not in
	// Unicode normal form C ([NormalCode]).
	ErrVoucherCode = errors.New("invalid voucher code")
)

// Invisible reports whether r shows nothing where it stands, so that a
// voucher code holding it looks like another and is not: a format
// character (Unicode category Cf: a byte order mark, a zero-width space)
// or another of Unicode's default ignorable code points (a variation
// selector, "ABC\ufe0f" shows as "ABC"; the combining grapheme joiner; a
// Hangul filler).
func Invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// NormalCode reports whether a code is in Unicode normal form C, as
// typed text is: "Cafe\u0301" (e and a combining accent) shows as
// "Caf\u00e9" and is other bytes, so a code of an import or a point of
// sale that is not is refused rather than taken as another code.
func NormalCode(c string) bool { return norm.NFC.IsNormalString(c) }

// TrimCode drops the spaces around a voucher code, imported or a point of
// sale's own: Unicode spaces that are not control characters (" A1\u00a0"
// is A1). A tab or a line break around a code stays, to be refused as the
// control character it is.
func TrimCode(c string) string {
	return strings.TrimFunc(c, func(r rune) bool { return unicode.IsSpace(r) && !unicode.IsControl(r) })
}
