package num

import (
	"math"
	"math/big"

	"github.com/shopspring/decimal"
)

// Dec is an exact decimal: its value is coef × 10^-scale, or big × 10^-scale
// when big is not nil. The zero value is 0.
type Dec struct {
	coef  int64    // the coefficient when big is nil
	scale int32    // digits after the decimal point; >= 0
	big   *big.Int // the coefficient when it does not fit an int64; never mutated, nil otherwise
}

// FromInt returns v as a Dec with scale 0.
func FromInt(v int64) Dec { return Dec{coef: v} }

// New returns coef × 10^-scale. A negative scale multiplies the coefficient
// out, so New(5, -2) is 500 with scale 0.
func New(coef int64, scale int32) Dec {
	if scale >= 0 {
		return Dec{coef: coef, scale: scale}
	}
	return mulPow10(Dec{coef: coef}, -int64(scale), 0)
}

// FromDecimal returns d as a Dec, exactly. A positive exponent is multiplied
// out into the coefficient, so the scale of the result is max(0, -d.Exponent()).
// It panics only for an exponent of math.MinInt32 on a coefficient that does
// not end in 0, whose scale no int32 holds.
func FromDecimal(d decimal.Decimal) Dec {
	exp := int64(d.Exponent())
	// The common case, a coefficient of at most 18 digits, reads it as an
	// int64 without copying it into a new big.Int.
	if exp > math.MinInt32 && d.NumDigits() <= 18 {
		c := d.CoefficientInt64()
		if exp >= 0 {
			return mulPow10(Dec{coef: c}, exp, 0)
		}
		return Dec{coef: c, scale: int32(-exp)}
	}
	c := d.Coefficient() // a fresh copy, ours to keep
	if exp >= 0 {
		return mulPow10(fromBig(c, 0), exp, 0)
	}
	if -exp > math.MaxInt32 {
		// Only decimal.New(c, math.MinInt32) gets here; drop one trailing zero
		// if it has one, or give up: no Dec has a scale of 2^31.
		q, r := new(big.Int).QuoRem(c, big.NewInt(10), new(big.Int))
		if r.Sign() != 0 {
			panic("num: FromDecimal: scale 2147483648 does not fit an int32")
		}
		return fromBig(q, math.MaxInt32)
	}
	return fromBig(c, int32(-exp))
}

// Decimal returns d as a shopspring decimal.Decimal, exactly.
func (d Dec) Decimal() decimal.Decimal {
	if d.big == nil {
		return decimal.New(d.coef, -d.scale)
	}
	return decimal.NewFromBigInt(d.big, -d.scale)
}

// Scale returns the number of digits after the decimal point.
func (d Dec) Scale() int32 { return d.scale }

// FitsInt64 reports whether d's coefficient fits an int64, that is whether
// arithmetic on d takes the allocation-free fast path.
func (d Dec) FitsInt64() bool { return d.big == nil }

// Coef64 returns d's coefficient (d × 10^Scale) when it fits an int64, and
// false when it does not.
func (d Dec) Coef64() (int64, bool) { return d.coef, d.big == nil }

// Words returns the length of d's coefficient in 64-bit words: 1 on the
// int64 fast path. The cost of arithmetic on d grows with it.
func (d Dec) Words() int {
	if d.big == nil {
		return 1
	}
	return max(len(d.big.Bits()), 1)
}

// Sign returns -1, 0 or +1 for negative, zero and positive d.
func (d Dec) Sign() int {
	if d.big != nil {
		return d.big.Sign()
	}
	return sign64(d.coef)
}

// IsZero reports whether d is 0, at any scale.
func (d Dec) IsZero() bool { return d.big == nil && d.coef == 0 }

// Int64At returns d's coefficient at the given scale, that is d × 10^scale, when
// that is an integer that fits an int64. It reports false when the conversion
// would lose digits or overflow. The VM uses it to turn a column of values into
// int64s at a common scale.
func (d Dec) Int64At(scale int32) (int64, bool) {
	if d.big == nil && scale == d.scale {
		return d.coef, true
	}
	r, ok := d.Rescale(scale)
	if !ok || r.big != nil {
		return 0, false
	}
	return r.coef, true
}

// Rescale returns d with the given scale when that is exact: a larger scale
// appends zeros (2.7 at scale 3 is 2.700), and a smaller one is allowed only
// when the removed digits are zeros (2.700 at scale 1 is 2.7, 2.75 at scale 1
// reports false). A negative scale reports false.
func (d Dec) Rescale(scale int32) (Dec, bool) {
	if scale < 0 {
		return Dec{}, false
	}
	if scale >= d.scale {
		return mulPow10(d, int64(scale-d.scale), scale), true
	}
	n := d.scale - scale
	if d.big == nil {
		if n > 18 {
			return Dec{scale: scale}, d.coef == 0
		}
		p := pow10[n]
		if d.coef%p != 0 {
			return Dec{}, false
		}
		return Dec{coef: d.coef / p, scale: scale}, true
	}
	q, r := new(big.Int).QuoRem(d.big, bigPow10(int64(n)), new(big.Int))
	if r.Sign() != 0 {
		return Dec{}, false
	}
	return fromBig(q, scale), true
}

// Normalize returns d with trailing zeros after the decimal point removed:
// 2.500 becomes 2.5, 3.00 becomes 3 and 0.000 becomes 0.
func (d Dec) Normalize() Dec {
	if d.big == nil {
		if d.coef == 0 {
			return Dec{}
		}
		// Constant divisors compile to multiplications; large steps first.
		for d.scale >= 8 && d.coef%1e8 == 0 {
			d.coef /= 1e8
			d.scale -= 8
		}
		if d.scale >= 4 && d.coef%1e4 == 0 {
			d.coef /= 1e4
			d.scale -= 4
		}
		if d.scale >= 2 && d.coef%1e2 == 0 {
			d.coef /= 1e2
			d.scale -= 2
		}
		if d.scale >= 1 && d.coef%10 == 0 {
			d.coef /= 10
			d.scale--
		}
		return d
	}
	c, s := d.big, d.scale
	ten := big.NewInt(10)
	var q, r big.Int
	for s > 0 {
		q.QuoRem(c, ten, &r)
		if r.Sign() != 0 {
			break
		}
		c = new(big.Int).Set(&q)
		s--
	}
	if s == d.scale {
		return d
	}
	return fromBig(c, s)
}

// sign64 returns the sign of v.
func sign64(v int64) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

// abs64 returns |v| as a uint64; |MinInt64| is 1<<63.
func abs64(v int64) uint64 {
	m := v >> 63
	return uint64((v ^ m) - m)
}

// signed returns u with the sign neg as an int64, and false when it does not fit.
func signed(u uint64, neg bool) (int64, bool) {
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}
