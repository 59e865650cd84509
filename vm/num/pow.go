package num

import (
	"math"
	"math/big"
)

// pow10 holds the powers of ten that fit an int64. It is never written.
var pow10 = [...]int64{
	1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
}

// pow10u holds the powers of ten that fit a uint64. It is never written.
var pow10u = [...]uint64{
	1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

// maxMul[n] is the largest v for which v × 10^n fits an int64, so that the
// overflow check of a scale alignment is two comparisons. It is never written.
var maxMul = [...]int64{
	maxI, maxI / 1e1, maxI / 1e2, maxI / 1e3, maxI / 1e4, maxI / 1e5, maxI / 1e6,
	maxI / 1e7, maxI / 1e8, maxI / 1e9, maxI / 1e10, maxI / 1e11, maxI / 1e12,
	maxI / 1e13, maxI / 1e14, maxI / 1e15, maxI / 1e16, maxI / 1e17, maxI / 1e18,
}

const maxI = int64(math.MaxInt64)

// scaleUp64 returns v × 10^n, and false when it does not fit an int64.
// A false result with v != 0 means |v × 10^n| > |w| for every int64 w.
func scaleUp64(v int64, n int32) (int64, bool) {
	if n > 18 {
		return 0, v == 0
	}
	if m := maxMul[n]; v > m || v < -m {
		return 0, false
	}
	return v * pow10[n], true
}

// mulPow10 returns d's coefficient multiplied by 10^n (n >= 0) at scale s.
func mulPow10(d Dec, n int64, s int32) Dec {
	if d.big == nil && n <= 18 {
		if v, ok := scaleUp64(d.coef, int32(n)); ok {
			return Dec{coef: v, scale: s}
		}
	}
	if n == 0 {
		d.scale = s
		return d
	}
	return fromBig(new(big.Int).Mul(view(d), bigPow10(n)), s)
}

// bigPow10 returns a new big.Int holding 10^n, n >= 0.
func bigPow10(n int64) *big.Int {
	if n < int64(len(pow10u)) {
		return new(big.Int).SetUint64(pow10u[n])
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(n), nil)
}

// view returns d's coefficient as a big.Int that the caller must not modify.
func view(d Dec) *big.Int {
	if d.big != nil {
		return d.big
	}
	return big.NewInt(d.coef)
}

// aligned returns d's coefficient at scale s >= d.scale, not to be modified.
func aligned(d Dec, s int32) *big.Int {
	if d.scale == s {
		return view(d)
	}
	return new(big.Int).Mul(view(d), bigPow10(int64(s-d.scale)))
}

// fromBig returns the Dec b × 10^-scale, in the int64 form when b fits.
// The Dec takes ownership of b.
func fromBig(b *big.Int, scale int32) Dec {
	if b.IsInt64() {
		return Dec{coef: b.Int64(), scale: scale}
	}
	return Dec{scale: scale, big: b}
}
