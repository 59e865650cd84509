package num

import (
	"errors"
	"math/big"
	"math/bits"
)

// DivScale is the number of digits after the decimal point to which
// [Dec.Div] rounds its quotient, half away from zero.
const DivScale = 16

// ErrDivByZero is returned by [Dec.Div] when the divisor is zero.
var ErrDivByZero = errors.New("division by zero")

// Div returns a / b rounded to [DivScale] digits after the decimal point, half
// away from zero, with trailing zeros then removed: 1/3 = 0.3333333333333333,
// 2/3 = 0.6666666666666667, 10/4 = 2.5. It returns [ErrDivByZero] when b is 0.
// Div is the only inexact operation of the package; the rule is the same on
// every platform because it is computed with integers only.
func (a Dec) Div(b Dec) (Dec, error) {
	if b.IsZero() {
		return Dec{}, ErrDivByZero
	}
	if a.IsZero() {
		return Dec{}, nil
	}
	// a / b × 10^DivScale = ca × 10^e / cb, with e below.
	e := DivScale + int64(b.scale) - int64(a.scale)
	if a.big == nil && b.big == nil {
		if q, ok := div64(a.coef, b.coef, e); ok {
			return Dec{coef: q, scale: DivScale}.Normalize(), nil
		}
	}
	return divBig(a, b, e).Normalize(), nil
}

// div64 returns x × 10^e / y rounded half away from zero, and false when the
// inputs or the result do not fit 64 bits. y != 0.
func div64(x, y int64, e int64) (int64, bool) {
	neg := (x < 0) != (y < 0)
	ux, uy := abs64(x), abs64(y)
	var q, r, den uint64
	switch {
	case e >= 0:
		if e >= int64(len(pow10u)) {
			return 0, false
		}
		hi, lo := bits.Mul64(ux, pow10u[e])
		if hi >= uy { // the quotient needs more than 64 bits
			return 0, false
		}
		q, r = bits.Div64(hi, lo, uy)
		den = uy
	case e > -int64(len(pow10u)):
		hi, lo := bits.Mul64(uy, pow10u[-e])
		if hi != 0 { // den >= 2^64 > 2|x|: the quotient rounds to 0
			return 0, true
		}
		den = lo
		q, r = ux/den, ux%den
	default: // den >= 10^20 > 2|x|
		return 0, true
	}
	if r >= den-r { // 2r >= den, and r < den
		if q >= 1<<63 {
			return 0, false
		}
		q++
	}
	return signed(q, neg)
}

// divBig is div64 with math/big, for any inputs.
func divBig(a, b Dec, e int64) Dec {
	num := new(big.Int).Abs(view(a))
	den := new(big.Int).Abs(view(b))
	if e >= 0 {
		num.Mul(num, bigPow10(e))
	} else {
		if int64(num.BitLen())+1 <= -3*e {
			// 2|num| < 2^(3|e|) < 10^|e| <= den: the quotient rounds to 0.
			return Dec{scale: DivScale}
		}
		den.Mul(den, bigPow10(-e))
	}
	q, r := num.QuoRem(num, den, new(big.Int))
	if r.Lsh(r, 1).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if a.Sign() != b.Sign() {
		q.Neg(q)
	}
	return fromBig(q, DivScale)
}
