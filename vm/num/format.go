package num

import (
	"math/big"
	"strconv"
)

// ParseError is returned by [Parse] for text that is not a decimal.
type ParseError struct {
	Text   string // the text given to Parse
	Reason string // what is wrong, for example "unexpected \"x\""
}

// Error returns the message, quoting at most 40 bytes of the text.
func (e *ParseError) Error() string {
	t := e.Text
	if len(t) > 40 {
		t = t[:40] + "..."
	}
	return "invalid decimal " + strconv.Quote(t) + ": " + e.Reason
}

// Parse returns the decimal written in s: an optional sign, digits, and
// optionally a decimal point followed by more digits, as in "12", "-0.05",
// "+3.250". The scale is the number of digits after the point, so "3.250" has
// scale 3. Parse is exact and never rounds. It rejects the empty string, a
// point without digits on both sides ("5.", ".5"), exponents, spaces and
// anything else, with a [*ParseError].
func Parse(s string) (Dec, error) {
	i, neg := 0, false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		i, neg = 1, s[0] == '-'
	}
	var u uint64
	slow := false // u overflowed; parse the digits with math/big
	intDigits, fracDigits, dot := 0, 0, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			if dot {
				fracDigits++
			} else {
				intDigits++
			}
			if u > (1<<64-1-9)/10 {
				slow = true
			} else {
				u = u*10 + uint64(c-'0')
			}
		case c == '.' && !dot:
			if intDigits == 0 {
				return Dec{}, &ParseError{s, "no digits before the decimal point"}
			}
			dot = true
		case c == '.':
			return Dec{}, &ParseError{s, "second decimal point"}
		default:
			return Dec{}, &ParseError{s, "unexpected " + strconv.QuoteRune(rune(c))}
		}
	}
	switch {
	case len(s) == 0:
		return Dec{}, &ParseError{s, "empty"}
	case intDigits == 0:
		return Dec{}, &ParseError{s, "no digits"}
	case dot && fracDigits == 0:
		return Dec{}, &ParseError{s, "no digits after the decimal point"}
	case fracDigits > 1<<31-1:
		return Dec{}, &ParseError{s, "too many digits"}
	}
	scale := int32(fracDigits)
	if !slow {
		if v, ok := signed(u, neg); ok {
			return Dec{coef: v, scale: scale}, nil
		}
	}
	digits := make([]byte, 0, len(s))
	for j := 0; j < len(s); j++ {
		if c := s[j]; c != '.' && c != '+' {
			digits = append(digits, c)
		}
	}
	b, _ := new(big.Int).SetString(string(digits), 10) // checked above
	return fromBig(b, scale), nil
}

// MustParse is like [Parse] but panics on an error. It is for constants in
// Go code and tests.
func MustParse(s string) Dec {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// String returns d in plain decimal notation with exactly d.Scale() digits
// after the point and no exponent: "2.730", "-0.05", "0.00", "1200". [Parse]
// of the result returns an equal Dec with the same scale.
func (d Dec) String() string {
	var buf [32]byte
	return string(d.Append(buf[:0]))
}

// Append appends d as formatted by [Dec.String] to dst and returns the result.
func (d Dec) Append(dst []byte) []byte {
	var tmp [24]byte
	var digits []byte
	if d.big == nil {
		if d.coef < 0 {
			dst = append(dst, '-')
		}
		digits = strconv.AppendUint(tmp[:0], abs64(d.coef), 10)
	} else {
		digits = d.big.Append(tmp[:0], 10)
		if digits[0] == '-' {
			dst = append(dst, '-')
			digits = digits[1:]
		}
	}
	s := int(d.scale)
	if s == 0 {
		return append(dst, digits...)
	}
	if n := len(digits) - s; n > 0 {
		dst = append(dst, digits[:n]...)
		dst = append(dst, '.')
		return append(dst, digits[n:]...)
	}
	dst = append(dst, '0', '.')
	for range s - len(digits) {
		dst = append(dst, '0')
	}
	return append(dst, digits...)
}
