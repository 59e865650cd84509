package num

import (
	"math"
	"math/big"
	"testing"

	"github.com/shopspring/decimal"
)

// TestFromDecimalFastPath checks that the int64 fast path of FromDecimal
// gives exactly what the big.Int path gives, around the 18-digit boundary.
func TestFromDecimalFastPath(t *testing.T) {
	slow := func(d decimal.Decimal) Dec {
		exp, c := int64(d.Exponent()), d.Coefficient()
		if exp >= 0 {
			return mulPow10(fromBig(c, 0), exp, 0)
		}
		return fromBig(c, int32(-exp))
	}
	coefs := []int64{0, 1, -1, 7, 1250, -1250, 999_999_999_999_999_999, -999_999_999_999_999_999,
		1_000_000_000_000_000_000, -1_000_000_000_000_000_000, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	exps := []int32{0, 1, -1, -2, 5, -18, 18, 19, -19, 40, -1000, math.MinInt32 + 1}
	for _, c := range coefs {
		for _, e := range exps {
			d := decimal.New(c, e)
			got, want := FromDecimal(d), slow(d)
			if got.coef != want.coef || got.scale != want.scale || (got.big == nil) != (want.big == nil) ||
				(got.big != nil && got.big.Cmp(want.big) != 0) {
				t.Errorf("FromDecimal(%d e%d) = %+v, want %+v", c, e, got, want)
			}
		}
	}
	big19 := decimal.NewFromBigInt(new(big.Int).Lsh(big.NewInt(1), 70), -3)
	if got, want := FromDecimal(big19), slow(big19); !got.Equal(want) || got.big == nil {
		t.Errorf("FromDecimal(2^70 e-3) = %v, want %v", got, want)
	}
}
