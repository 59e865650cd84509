package currency

import (
	"strconv"
	"strings"
)

// Code is an ISO 4217 currency code: three uppercase letters packed five
// bits each, the first letter highest. The zero Code means "no currency".
type Code uint16

// Parse returns the Code of s, which must be three ASCII uppercase letters
// naming a currency in the table, as in "EUR". It reports false otherwise;
// [Suggest] finds what the user may have meant.
func Parse(s string) (Code, bool) {
	c, ok := pack(s)
	if !ok || find(c) < 0 {
		return 0, false
	}
	return c, true
}

// Known reports whether s is a code in the table, written as Parse expects.
func Known(s string) bool {
	_, ok := Parse(s)
	return ok
}

// String returns the three letters of c, as "EUR", and "" for the zero Code.
// It does not allocate for codes in the table.
func (c Code) String() string {
	if c == 0 {
		return ""
	}
	if i := find(c); i >= 0 {
		return table[i*entry : i*entry+3]
	}
	if c>>15 == 0 && letter(c>>10) && letter(c>>5) && letter(c) {
		return string([]byte{byte(c>>10&31) + 'A' - 1, byte(c>>5&31) + 'A' - 1, byte(c&31) + 'A' - 1})
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}

// MinorUnits returns the number of digits after the decimal point of the
// currency's minor unit: 2 for EUR, 0 for JPY, 3 for KWD, 4 for CLF. It returns
// 0 for the zero Code (plain numbers such as points have 0 decimals by default)
// and for a Code that is not in the table.
func (c Code) MinorUnits() int32 {
	if i := find(c); i >= 0 {
		return int32(table[i*entry+3] - '0')
	}
	return 0
}

// All returns the codes in the table, in alphabetical order, in a new slice.
func All() []Code {
	codes := make([]Code, 0, len(table)/entry)
	for i := 0; i < len(table); i += entry {
		c, _ := pack(table[i : i+3])
		codes = append(codes, c)
	}
	return codes
}

// Suggest returns the code that s was most likely meant to be, for a "did you
// mean" message, or "" when there is none. It ignores surrounding spaces and
// letter case ("eur" gives "EUR"), and otherwise looks for a code one edit
// away: one letter changed, added, removed, or two neighbours swapped ("EUE",
// "EU", "EURO" and "UER" all give "EUR"). Among several such codes, widely used
// currencies win, then alphabetical order ("USX" gives "USD", not "USN").
func Suggest(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if Known(s) {
		return s
	}
	if len(s) < 2 || len(s) > 4 {
		return ""
	}
	best, bestRank := "", len(common)+1
	for i := 0; i < len(table); i += entry {
		code := table[i : i+3]
		if !oneEdit(s, code) {
			continue
		}
		rank := len(common)
		if j := strings.Index(common, code); j >= 0 && j%4 == 0 {
			rank = j
		}
		if rank < bestRank {
			best, bestRank = code, rank
		}
	}
	return best
}

// common lists widely used currencies, most likely first, to break ties in
// Suggest.
const common = "EUR USD GBP CAD AUD NZD CHF SEK NOK DKK PLN CZK HUF RON BGN TRY BRL MXN " +
	"ARS CLP PEN COP JPY CNY INR KRW ZAR NGN KES RUB UAH KZT GEL "

// oneEdit reports whether s becomes code (3 letters) with exactly one change:
// a letter replaced, inserted or deleted, or two adjacent letters swapped.
func oneEdit(s, code string) bool {
	switch len(s) {
	case 2: // one letter missing from s
		return s == code[1:] || s == code[:1]+code[2:] || s == code[:2]
	case 4: // one letter too many in s
		return s[1:] == code || s[:1]+s[2:] == code || s[:2]+s[3:] == code || s[:3] == code
	}
	var diff [3]int
	n := 0
	for i := range 3 {
		if s[i] != code[i] {
			diff[n] = i
			n++
		}
	}
	switch n {
	case 1:
		return true
	case 2:
		i, j := diff[0], diff[1]
		return j == i+1 && s[i] == code[j] && s[j] == code[i]
	}
	return false
}

// pack returns the Code of three ASCII uppercase letters.
func pack(s string) (Code, bool) {
	if len(s) != 3 {
		return 0, false
	}
	var c Code
	for i := range 3 {
		b := s[i]
		if b < 'A' || b > 'Z' {
			return 0, false
		}
		c = c<<5 | Code(b-'A'+1)
	}
	return c, true
}

// letter reports whether the low five bits of c hold a letter.
func letter(c Code) bool {
	v := c & 31
	return v >= 1 && v <= 26
}

// find returns the index of c's entry in table, or -1.
func find(c Code) int {
	lo, hi := 0, len(table)/entry
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		e := table[m*entry : m*entry+3] // known letters: pack without checks
		k := Code(e[0]-'A'+1)<<10 | Code(e[1]-'A'+1)<<5 | Code(e[2]-'A'+1)
		switch {
		case k == c:
			return m
		case k < c:
			lo = m + 1
		default:
			hi = m
		}
	}
	return -1
}
