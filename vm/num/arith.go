package num

import (
	"math"
	"math/big"
	"math/bits"
)

// Add returns a + b, exactly, with the larger of the two scales.
func (a Dec) Add(b Dec) Dec {
	if a.big == nil && b.big == nil {
		x, y, s := a.coef, b.coef, a.scale
		ok := true
		if a.scale != b.scale {
			x, y, s, ok = align64(a, b)
		}
		if z := x + y; ok && (x^z)&(y^z) >= 0 {
			return Dec{coef: z, scale: s}
		}
	}
	s := max(a.scale, b.scale)
	return fromBig(new(big.Int).Add(aligned(a, s), aligned(b, s)), s)
}

// Sub returns a - b, exactly, with the larger of the two scales.
func (a Dec) Sub(b Dec) Dec {
	if a.big == nil && b.big == nil {
		x, y, s := a.coef, b.coef, a.scale
		ok := true
		if a.scale != b.scale {
			x, y, s, ok = align64(a, b)
		}
		if z := x - y; ok && (x^y)&(x^z) >= 0 {
			return Dec{coef: z, scale: s}
		}
	}
	s := max(a.scale, b.scale)
	return fromBig(new(big.Int).Sub(aligned(a, s), aligned(b, s)), s)
}

// Mul returns a × b, exactly, with the sum of the two scales. It panics only
// when that sum exceeds math.MaxInt32.
func (a Dec) Mul(b Dec) Dec {
	s := int64(a.scale) + int64(b.scale)
	if s > math.MaxInt32 {
		panic("num: Mul: result scale exceeds math.MaxInt32")
	}
	if a.big == nil && b.big == nil {
		hi, lo := bits.Mul64(abs64(a.coef), abs64(b.coef))
		if hi == 0 {
			if z, ok := signed(lo, (a.coef < 0) != (b.coef < 0)); ok {
				return Dec{coef: z, scale: int32(s)}
			}
		}
	}
	return fromBig(new(big.Int).Mul(view(a), view(b)), int32(s))
}

// Neg returns -d, with d's scale.
func (d Dec) Neg() Dec {
	if d.big == nil && d.coef != math.MinInt64 {
		d.coef = -d.coef
		return d
	}
	return fromBig(new(big.Int).Neg(view(d)), d.scale)
}

// Abs returns |d|, with d's scale.
func (d Dec) Abs() Dec {
	if d.Sign() < 0 {
		return d.Neg()
	}
	return d
}

// align64 returns the coefficients of a and b (both int64) at their common
// scale s, and false when one does not fit an int64.
func align64(a, b Dec) (x, y int64, s int32, ok bool) {
	if a.scale < b.scale {
		x, ok = scaleUp64(a.coef, b.scale-a.scale)
		return x, b.coef, b.scale, ok
	}
	y, ok = scaleUp64(b.coef, a.scale-b.scale)
	return a.coef, y, a.scale, ok
}
