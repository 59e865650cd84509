package num

import (
	"math"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

// FuzzArith compares every operation with shopspring/decimal, which is exact
// for + - * and comparisons, on int64 coefficients with scales 0..20 and on
// the math/big values their products and sums produce.
func FuzzArith(f *testing.F) {
	seeds := []struct {
		a      int64
		as     uint8
		b      int64
		bs     uint8
		places int8
		mode   uint8
	}{
		{2735, 3, 1, 0, 2, 0},
		{-2735, 3, 3, 0, 0, 1},
		{math.MaxInt64, 0, math.MaxInt64, 0, 0, 2},
		{math.MinInt64, 0, -1, 0, -1, 3},
		{math.MinInt64, 20, math.MaxInt64, 0, 1, 4},
		{9e18, 18, 9e18, 1, 19, 5},
		{5, 1, -5, 20, 0, 0},
		{1, 20, 3, 0, 16, 0},
		{math.MaxInt64 / 10, 2, 10, 0, -20, 1},
		{-5e18, 19, 2, 0, 0, 0},
	}
	for _, s := range seeds {
		f.Add(s.a, s.as, s.b, s.bs, s.places, s.mode)
	}
	f.Fuzz(func(t *testing.T, ac int64, as uint8, bc int64, bs uint8, places int8, mode uint8) {
		a, b := New(ac, int32(as%21)), New(bc, int32(bs%21))
		da, db := decimal.New(ac, -int32(as%21)), decimal.New(bc, -int32(bs%21))
		m := Mode(mode % 6)
		p := int32(places % 25)
		check := func(x Dec, dx decimal.Decimal) {
			same := func(op string, got Dec, want decimal.Decimal, scale int32) {
				t.Helper()
				checkForm(t, got)
				require.True(t, got.Decimal().Equal(want), "%s = %v, want %v", op, got, want)
				require.Equal(t, scale, got.Scale(), "%s scale", op)
			}
			same("Add", x.Add(b), dx.Add(db), max(x.scale, b.scale))
			same("Sub", x.Sub(b), dx.Sub(db), max(x.scale, b.scale))
			same("Sub reversed", b.Sub(x), db.Sub(dx), max(x.scale, b.scale))
			same("Mul", x.Mul(b), dx.Mul(db), x.scale+b.scale)
			same("Neg", x.Neg(), dx.Neg(), x.scale)
			same("Abs", x.Abs(), dx.Abs(), x.scale)
			n := x.Normalize()
			same("Normalize", n, dx, n.scale)
			require.True(t, n.scale == 0 || !strings.HasSuffix(n.String(), "0"), "Normalize(%v) = %v", x, n)
			require.Equal(t, dx.Cmp(db), x.Cmp(b), "Cmp(%v, %v)", x, b)
			require.Equal(t, db.Cmp(dx), b.Cmp(x), "Cmp(%v, %v)", b, x)
			require.Equal(t, dx.Sign(), x.Sign())

			var want decimal.Decimal
			switch m {
			case Nearest:
				want = dx.Round(p)
			case Down:
				want = dx.RoundDown(p)
			case Up:
				want = dx.RoundUp(p)
			case HalfEven:
				want = dx.RoundBank(p)
			case Floor:
				want = dx.RoundFloor(p)
			case Ceiling:
				want = dx.RoundCeil(p)
			}
			same("Round "+m.String(), x.Round(p, m), want, max(p, 0))

			q, err := x.Div(b)
			if b.IsZero() {
				require.ErrorIs(t, err, ErrDivByZero)
			} else {
				require.NoError(t, err)
				same("Div", q, dx.DivRound(db, DivScale), q.scale)
				require.LessOrEqual(t, q.scale, int32(DivScale))
				require.True(t, q.Equal(q.Normalize()) && q.scale == q.Normalize().scale, "Div result %v not normalized", q)
			}

			for _, sc := range []int32{0, x.scale, x.scale + 2, 20} {
				v, ok := x.Int64At(sc)
				shifted := dx.Shift(sc)
				wantOK := shifted.IsInteger() && shifted.BigInt().IsInt64()
				require.Equal(t, wantOK, ok, "Int64At(%v, %d)", x, sc)
				if ok {
					require.Equal(t, shifted.BigInt().Int64(), v, "Int64At(%v, %d)", x, sc)
				}
			}

			again, err := Parse(x.String())
			require.NoError(t, err)
			require.True(t, again.Equal(x) && again.scale == x.scale, "round trip of %v", x)
			require.True(t, FromDecimal(x.Decimal()).Equal(x))
		}
		check(a, da)
		// Values in the math/big form, and ones that fit again after big arithmetic.
		check(a.Mul(b), da.Mul(db))
		check(a.Add(b).Mul(a), da.Add(db).Mul(da))
		check(a.Mul(b).Sub(b.Mul(a)).Add(a), da)
	})
}

// FuzzParse checks that Parse never panics, that what it accepts prints back
// in the same form, and that it agrees with shopspring on plain decimals.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"0", "12", "-0.05", "+3.250", "2.735", "", "-", ".", "1.2.3", "NaN", "1e3", ".5", "5.",
		"9223372036854775807", "-9223372036854775808", "18446744073709551616",
		"0.000000000000000000000000000001", "-123456789012345678901234567890.123", "007",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1000 {
			return
		}
		d, err := Parse(s)
		if err != nil {
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			return
		}
		checkForm(t, d)
		want, err := decimal.NewFromString(s)
		require.NoError(t, err, "shopspring rejects %q", s)
		require.True(t, d.Decimal().Equal(want), "Parse(%q) = %v", s, d)
		again, err := Parse(d.String())
		require.NoError(t, err)
		require.True(t, again.Equal(d) && again.scale == d.scale, "round trip of %q", s)
		require.Equal(t, d.String(), again.String())
	})
}
