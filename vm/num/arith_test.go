package num

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArith(t *testing.T) {
	tests := []struct {
		name          string
		a, b          string
		add, sub, mul string
		cmp           int
	}{
		{"integers", "12", "30", "42", "-18", "360", -1},
		{"scales align", "1.5", "0.25", "1.75", "1.25", "0.375", 1},
		{"scale kept", "1.10", "2.0", "3.10", "-0.90", "2.200", -1},
		{"equal across scales", "1.0", "1.00", "2.00", "0.00", "1.000", 0},
		{"negative", "-0.05", "100", "99.95", "-100.05", "-5.00", -1},
		{"percent of deposit", "0.05", "1999.99", "2000.04", "-1999.94", "99.9995", -1},
		{"zero", "0", "-3.25", "-3.25", "3.25", "0.00", 1},
		{"inexact at fixed scale", "1999.9999", "0.5", "2000.4999", "1999.4999", "999.99995", 1},
		// Overflow falls back to math/big, exactly.
		{"add overflow", "9000000000000000000", "9000000000000000000", "18000000000000000000", "0", "81000000000000000000000000000000000000", 0},
		{"sub overflow", "-9000000000000000000", "9000000000000000000", "0", "-18000000000000000000", "-81000000000000000000000000000000000000", -1},
		{"max plus one", "9223372036854775807", "1", "9223372036854775808", "9223372036854775806", "9223372036854775807", 1},
		{"min minus one", "-9223372036854775808", "1", "-9223372036854775807", "-9223372036854775809", "-9223372036854775808", -1},
		{"min times minus one", "-9223372036854775808", "-1", "-9223372036854775809", "-9223372036854775807", "9223372036854775808", -1},
		{"align overflow", "92233720368547758.07", "0.001", "92233720368547758.071", "92233720368547758.069", "92233720368547.75807", 1},
		{"scale 30", "0.000000000000000000000000000001", "1", "1.000000000000000000000000000001", "-0.999999999999999999999999999999", "0.000000000000000000000000000001", -1},
		{"scale 30 both", "0.000000000000000000000000000001", "0.000000000000000000000000000003", "0.000000000000000000000000000004", "-0.000000000000000000000000000002", "0.000000000000000000000000000000000000000000000000000000000003", -1},
		{"big times big", "123456789012345678901234567890", "-98765432109876543210", "123456788913580246791358024680", "123456789111111111011111111100", "-12193263113702179522496570642237463801111263526900", 1},
		{"big back to int64", "9223372036854775808", "-9223372036854775807", "1", "18446744073709551615", "-85070591730234615856620279821087277056", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := MustParse(tt.a), MustParse(tt.b)
			for _, r := range []struct {
				op   string
				got  Dec
				want string
			}{{"Add", a.Add(b), tt.add}, {"Sub", a.Sub(b), tt.sub}, {"Mul", a.Mul(b), tt.mul}} {
				checkForm(t, r.got)
				assert.Equal(t, r.want, r.got.String(), "%s(%s, %s)", r.op, tt.a, tt.b)
			}
			assert.Equal(t, tt.cmp, a.Cmp(b), "Cmp(%s, %s)", tt.a, tt.b)
			assert.Equal(t, -tt.cmp, b.Cmp(a), "Cmp(%s, %s)", tt.b, tt.a)
			assert.Equal(t, tt.cmp == 0, a.Equal(b), "Equal(%s, %s)", tt.a, tt.b)
		})
	}
}

func TestBackToFastForm(t *testing.T) {
	big := FromInt(math.MaxInt64).Add(FromInt(math.MaxInt64))
	require.False(t, big.FitsInt64())
	back := big.Sub(FromInt(math.MaxInt64))
	assert.True(t, back.FitsInt64(), "a big result that fits an int64 returns to the fast form")
	assert.Equal(t, "9223372036854775807", back.String())
	assert.True(t, big.Neg().Add(big).FitsInt64())
	assert.True(t, FromInt(math.MinInt64).Neg().Neg().FitsInt64())
}

func TestCmp(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{"scales", "2.50", "2.5", 0},
		{"negative scales", "-2.5", "-2.49", -1},
		{"alignment overflows, a larger", "92233720368547758.07", "0.001", 1},
		{"alignment overflows, a negative", "-92233720368547758.07", "0.001", -1},
		{"alignment overflows, b larger", "0.001", "92233720368547758.07", -1},
		{"scale gap above 18", "1", "0.0000000000000000000000000009", 1},
		{"scale gap above 18, negative", "-1", "0.0000000000000000000000000009", -1},
		{"scale gap, zero", "0", "-0.0000000000000000000000000009", 1},
		{"scale gap, zero on the right", "-0.0000000000000000000000000009", "0", -1},
		{"zero scales", "0.000", "0", 0},
		{"min int64", "-9223372036854775808", "-922337203685477580.7", -1},
		{"max int64", "9223372036854775807", "9223372036854775807.0", 0},
		{"big and small", "100000000000000000000", "-3", 1},
		{"big negative and small", "-100000000000000000000", "3", -1},
		{"big and big", "100000000000000000000.0", "100000000000000000000", 0},
		{"big and big scales", "100000000000000000000.1", "100000000000000000000.09", 1},
		{"big and zero", "-100000000000000000000", "0", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := MustParse(tt.a), MustParse(tt.b)
			assert.Equal(t, tt.want, a.Cmp(b), "Cmp(%s, %s)", tt.a, tt.b)
			assert.Equal(t, -tt.want, b.Cmp(a), "Cmp(%s, %s)", tt.b, tt.a)
		})
	}
}

func TestUnary(t *testing.T) {
	tests := []struct {
		name           string
		in             string
		neg, abs, norm string
		sign           int
	}{
		{"positive", "2.50", "-2.50", "2.50", "2.5", 1},
		{"negative", "-0.050", "0.050", "0.050", "-0.05", -1},
		{"zero", "0.00", "0.00", "0.00", "0", 0},
		{"integer zeros", "100", "-100", "100", "100", 1},
		{"all zeros after point", "-3.000", "3.000", "3.000", "-3", -1},
		{"min int64", "-9223372036854775808", "9223372036854775808", "9223372036854775808", "-9223372036854775808", -1},
		{"big", "-100000000000000000000.000", "100000000000000000000.000", "100000000000000000000.000", "-100000000000000000000", -1},
		{"sixteen zeros", "1.0000000000000000", "-1.0000000000000000", "1.0000000000000000", "1", 1},
		{"some zeros", "0.1200000000", "-0.1200000000", "0.1200000000", "0.12", 1},
		{"seven zeros", "-1.10000000", "1.10000000", "1.10000000", "-1.1", -1},
		{"nine zeros", "5.000000000", "-5.000000000", "5.000000000", "5", 1},
		{"big normalizes to int64", "1.00000000000000000000", "-1.00000000000000000000", "1.00000000000000000000", "1", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := MustParse(tt.in)
			for _, r := range []struct {
				op   string
				got  Dec
				want string
			}{{"Neg", d.Neg(), tt.neg}, {"Abs", d.Abs(), tt.abs}, {"Normalize", d.Normalize(), tt.norm}} {
				checkForm(t, r.got)
				assert.Equal(t, r.want, r.got.String(), "%s(%s)", r.op, tt.in)
			}
			assert.Equal(t, tt.sign, d.Sign(), "Sign(%s)", tt.in)
			assert.Equal(t, tt.sign == 0, d.IsZero(), "IsZero(%s)", tt.in)
		})
	}
}

func TestRescale(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		scale int32
		want  int64
		ok    bool
	}{
		{"same", "2.75", 2, 275, true},
		{"up", "2.7", 3, 2700, true},
		{"down exact", "2.700", 1, 27, true},
		{"down inexact", "2.75", 1, 0, false},
		{"overflow", "92233720368547758.08", 3, 0, false},
		{"far up zero", "0", 30, 0, true},
		{"far up", "1", 19, 0, false},
		{"far down zero", "0.0000000000000000000000", 0, 0, true},
		{"far down", "0.0000000000000000000001", 0, 0, false},
		{"big exact", "12.000000000000000000000000000000", 0, 12, true},
		{"big inexact", "12.000000000000000000000000000001", 0, 0, false},
		{"big too big", "100000000000000000000", 0, 0, false},
		{"negative scale", "100", -2, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MustParse(tt.in).Int64At(tt.scale)
			assert.Equal(t, tt.ok, ok, "Int64At(%s, %d)", tt.in, tt.scale)
			assert.Equal(t, tt.want, got, "Int64At(%s, %d)", tt.in, tt.scale)
		})
	}
	d, ok := MustParse("2.7").Rescale(3)
	require.True(t, ok)
	assert.Equal(t, "2.700", d.String())
}

func TestNew(t *testing.T) {
	tests := []struct {
		name  string
		coef  int64
		scale int32
		want  string
	}{
		{"cents", 273, 2, "2.73"},
		{"negative", -5, 2, "-0.05"},
		{"integer", 7, 0, "7"},
		{"negative scale", 5, -2, "500"},
		{"negative scale overflow", math.MaxInt64, -3, "9223372036854775807000"},
		{"scale 30", 1, 30, "0.000000000000000000000000000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := New(tt.coef, tt.scale)
			checkForm(t, got)
			assert.Equal(t, tt.want, got.String(), "New(%d, %d)", tt.coef, tt.scale)
		})
	}
	assert.Equal(t, "-12", FromInt(-12).String())
	assert.Equal(t, "0", Dec{}.String(), "the zero value is 0")
}

func TestMulScaleOverflowPanics(t *testing.T) {
	d := New(1, math.MaxInt32)
	assert.Panics(t, func() { d.Mul(New(1, 1)) })
	assert.NotPanics(t, func() { d.Mul(FromInt(3)) })
}

// TestFastPathAllocs checks that arithmetic on int64 coefficients never allocates.
func TestFastPathAllocs(t *testing.T) {
	a, b := MustParse("1999.99"), MustParse("0.05")
	c := MustParse("-123456.789")
	var sink Dec
	var n int
	tests := []struct {
		name string
		f    func()
	}{
		{"Add", func() { sink = a.Add(b) }},
		{"AddSameScale", func() { sink = a.Add(a) }},
		{"Sub", func() { sink = a.Sub(c) }},
		{"Mul", func() { sink = a.Mul(c) }},
		{"Cmp", func() { n = a.Cmp(c) }},
		{"CmpSameScale", func() { n = a.Cmp(a) }},
		{"Neg", func() { sink = c.Neg() }},
		{"Round", func() { sink = c.Round(2, Nearest) }},
		{"Div", func() { sink, _ = a.Div(c) }},
		{"Normalize", func() { sink = MustParse("0").Add(New(2500, 3)).Normalize() }},
		{"Int64At", func() { n64, _ := a.Int64At(4); n = int(n64) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Zero(t, testing.AllocsPerRun(100, tt.f), "%s allocates", tt.name)
		})
	}
	_, _ = sink, n
}
