package vm

import (
	"strconv"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/vm/num"
)

// ParseNumber reads a number of an input, given as a JSON number or as text:
// an optional "-", an integer part without leading zeros, and optionally a
// decimal point followed by digits, as in "12", "-0.05", "1200.50". There
// is no exponent and no "+": amounts and rates are written the same way
// everywhere, and exactly as they are kept.
func ParseNumber(s []byte) (num.Dec, error) {
	if len(s) > maxDigits {
		return num.Dec{}, errTooManyDigits
	}
	i, neg := 0, false
	if len(s) > 0 && s[0] == '-' {
		i, neg = 1, true
	}
	start := i
	var u uint64
	digits := 0
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		u = u*10 + uint64(s[i]-'0')
		digits++
	}
	if i == start || (s[start] == '0' && i-start > 1) {
		return num.Dec{}, badNumber(s)
	}
	scale := 0
	if i < len(s) && s[i] == '.' {
		i++
		f := i
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			u = u*10 + uint64(s[i]-'0')
			digits++
		}
		if i == f {
			return num.Dec{}, badNumber(s)
		}
		scale = i - f
	}
	if i != len(s) {
		return num.Dec{}, badNumber(s)
	}
	if scale > maxScale {
		return num.Dec{}, errTooManyDecimals(scale)
	}
	if digits <= 18 {
		v := int64(u)
		if neg {
			v = -v
		}
		return num.New(v, int32(scale)), nil
	}
	return num.Parse(string(s)) // checked above: the same syntax
}

var errTooManyDigits = strconvError("more than " + strconv.Itoa(maxDigits) + " digits")

func errTooManyDecimals(n int) error {
	return strconvError(strconv.Itoa(n) + " digits after the decimal point, more than " + strconv.Itoa(maxScale))
}

type strconvError string

func (e strconvError) Error() string { return string(e) }

func badNumber(s []byte) error {
	return strconvError("invalid number " + strconv.Quote(string(s)) + `: want digits with an optional "-" and decimal point, as in "12.50", without exponent or "+"`)
}

// ParseTime reads an RFC 3339 time, as in 2026-11-23T10:00:00Z or
// 2026-11-23T11:00:00.5+01:00, and returns it as Unix nanoseconds; msg
// says what is wrong, "" when nothing is. As RFC 3339 allows (section
// 5.6, NOTE), the separator T and the zone Z may be written t and z. The
// time must lie in [limits.MinTime, limits.MaxTime). Fractional digits
// beyond the ninth are read and dropped, as time.Parse drops them. It is
// read without time.Parse, which is several times slower and takes an
// offset RFC 3339 refuses (+24:00, +01:60).
func ParseTime(s []byte) (ns int64, msg string) {
	ns, ok := fastTime(s)
	if !ok {
		return 0, "invalid time " + strconv.Quote(string(s)) + ": want RFC 3339, as in 2026-11-23T10:00:00Z"
	}
	if ns < minNS || ns >= maxNS {
		return 0, timeRangeMsg
	}
	return ns, ""
}

func isT(c byte) bool { return c == 'T' || c == 't' }

// UpperTime returns s with a separator t and a zone z in upper case, as
// time.Parse wants them; any other text is returned as it is.
func UpperTime(s string) string {
	lowT := len(s) > 10 && s[10] == 't'
	lowZ := len(s) > 0 && s[len(s)-1] == 'z'
	if !lowT && !lowZ {
		return s
	}
	b := []byte(s)
	if lowT {
		b[10] = 'T'
	}
	if lowZ {
		b[len(b)-1] = 'Z'
	}
	return string(b)
}

var minNS, maxNS = limits.MinTime.UnixNano(), limits.MaxTime.UnixNano()

// fastTime reads YYYY-MM-DD(T|t)HH:MM:SS[.F+](Z|z|±HH:MM) with every field in
// range, keeping the first nine fractional digits; ok is false for
// anything else.
func fastTime(s []byte) (int64, bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || !isT(s[10]) || s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	y, ok1 := digits(s[0:4])
	mo, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	h, ok4 := digits(s[11:13])
	mi, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) || h > 23 || mi > 59 || sec > 59 {
		return 0, false
	}
	i := 19
	var frac int64
	if s[i] == '.' {
		i++
		f := i
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			if i-f < 9 {
				frac = frac*10 + int64(s[i]-'0')
			}
		}
		n := min(i-f, 9)
		if n == 0 {
			return 0, false
		}
		frac *= pow10[9-n]
	}
	var off int64
	switch {
	case i == len(s)-1 && (s[i] == 'Z' || s[i] == 'z'):
	case i == len(s)-6 && (s[i] == '+' || s[i] == '-') && s[i+3] == ':':
		oh, ok1 := digits(s[i+1 : i+3])
		om, ok2 := digits(s[i+4 : i+6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return 0, false
		}
		off = int64(oh*3600 + om*60)
		if s[i] == '-' {
			off = -off
		}
	default:
		return 0, false
	}
	secs := civilDays(y, mo, d)*86400 + int64(h*3600+mi*60+sec) - off
	return secs*1e9 + frac, true
}

func digits(s []byte) (int, bool) {
	v := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// civilDays returns the days from 1970-01-01 to y-m-d in the proleptic
// Gregorian calendar.
func civilDays(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400 // y >= 0 here: four digits
	yoe := y - era*400
	mp := (m + 9) % 12 // March is 0
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097+doe) - 719468
}
