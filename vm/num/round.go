package num

import (
	"math/big"
	"strconv"
)

// Mode is a rounding mode for [Dec.Round]. The zero Mode is [Nearest], the
// language's default.
type Mode uint8

// The rounding modes. Down, Up and Nearest are the ones rewards use
// (spec/semantics.md, "A reward, step by step"):
// 2.735 rounds to 2.73, 2.74 and 2.74 at 2 decimals, -2.735 to -2.73, -2.74
// and -2.74.
const (
	Nearest  Mode = iota // to the nearest, ties away from zero: 2.5 → 3, -2.5 → -3
	Down                 // toward zero: 2.9 → 2, -2.9 → -2
	Up                   // away from zero: 2.1 → 3, -2.1 → -3
	HalfEven             // to the nearest, ties to the even neighbour: 2.5 → 2, 3.5 → 4
	Floor                // toward -∞: 2.9 → 2, -2.1 → -3
	Ceiling              // toward +∞: 2.1 → 3, -2.9 → -2
)

var modeNames = [...]string{
	Nearest:  "nearest",
	Down:     "down",
	Up:       "up",
	HalfEven: "half_even",
	Floor:    "floor",
	Ceiling:  "ceiling",
}

// String returns the mode's name in the language: "nearest", "down", "up",
// "half_even", "floor" or "ceiling".
func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// ParseMode returns the mode named s, as printed by [Mode.String].
func ParseMode(s string) (Mode, bool) {
	for m, name := range modeNames {
		if s == name {
			return Mode(m), true
		}
	}
	return 0, false
}

// Round returns d rounded to the given number of decimals with mode m. The
// result has exactly that scale: rounding to more decimals than d has appends
// zeros (2.7 at 3 decimals is 2.700). Negative decimals round to tens,
// hundreds and so on, with scale 0 (1250 at -2 decimals, Nearest, is 1300).
// A Mode that is none of the constants rounds like Nearest.
func (d Dec) Round(decimals int32, m Mode) Dec {
	if decimals >= d.scale {
		return mulPow10(d, int64(decimals-d.scale), decimals)
	}
	n := int64(d.scale) - int64(decimals) // digits to drop, > 0
	var q Dec
	if d.big == nil {
		q = Dec{coef: round64(d.coef, n, m)}
	} else {
		q = roundBig(d.big, n, m)
	}
	if decimals < 0 {
		return mulPow10(q, -int64(decimals), 0)
	}
	q.scale = decimals
	return q
}

// round64 returns v / 10^n rounded with mode m, n > 0.
func round64(v int64, n int64, m Mode) int64 {
	neg := v < 0
	u := abs64(v)
	q, r, half := uint64(0), u, -1 // half compares 2r with 10^n
	if n < int64(len(pow10u)) {
		p := pow10u[n]
		q, r = u/p, u%p
		half = cmpU(r, p-r)
	} // else 10^n > 2^64 > 2u
	if r != 0 && away(m, neg, q&1 == 1, half) {
		q++ // q <= u/10 + 1: no overflow
	}
	if neg {
		return -int64(q)
	}
	return int64(q)
}

// roundBig is round64 for a big coefficient.
func roundBig(v *big.Int, n int64, m Mode) Dec {
	neg := v.Sign() < 0
	u := new(big.Int).Abs(v)
	if int64(u.BitLen())+1 <= 3*n {
		// 2u < 2^(3n) < 10^n: the quotient is 0 and less than half remains.
		if away(m, neg, false, -1) {
			return Dec{coef: int64(v.Sign())}
		}
		return Dec{}
	}
	p := bigPow10(n)
	q, r := u.QuoRem(u, p, new(big.Int))
	if r.Sign() != 0 {
		half := new(big.Int).Lsh(r, 1).Cmp(p)
		if away(m, neg, q.Bit(0) == 1, half) {
			q.Add(q, big.NewInt(1))
		}
	}
	if neg {
		q.Neg(q)
	}
	return fromBig(q, 0)
}

// away reports whether a quotient q with a non-zero remainder r is rounded
// away from zero (to q+1 in magnitude) under mode m; half compares 2r with the
// divisor, odd tells whether q is odd and neg whether the value is negative.
func away(m Mode, neg, odd bool, half int) bool {
	switch m {
	case Down:
		return false
	case Up:
		return true
	case HalfEven:
		return half > 0 || half == 0 && odd
	case Floor:
		return neg
	case Ceiling:
		return !neg
	}
	return half >= 0 // Nearest
}

func cmpU(x, y uint64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
