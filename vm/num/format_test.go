package num

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string
		scale int32
	}{
		{"integer", "12", "12", 0},
		{"negative fraction", "-0.05", "-0.05", 2},
		{"plus sign", "+3.250", "3.250", 3},
		{"trailing zeros kept", "2.730", "2.730", 3},
		{"leading zeros", "007.5", "7.5", 1},
		{"zero", "0", "0", 0},
		{"negative zero", "-0.00", "0.00", 2},
		{"max int64", "9223372036854775807", "9223372036854775807", 0},
		{"min int64", "-9223372036854775808", "-9223372036854775808", 0},
		{"past int64", "9223372036854775808", "9223372036854775808", 0},
		{"past uint64", "18446744073709551616", "18446744073709551616", 0},
		{"many leading zeros", "0000000000000000000000000001", "1", 0},
		{"scale 30", "0.000000000000000000000000000001", "0.000000000000000000000000000001", 30},
		{"big", "-123456789012345678901234567890.123", "-123456789012345678901234567890.123", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			require.NoError(t, err)
			checkForm(t, got)
			assert.Equal(t, tt.want, got.String(), "Parse(%q)", tt.in)
			assert.Equal(t, tt.scale, got.Scale(), "Parse(%q).Scale()", tt.in)
			again, err := Parse(got.String())
			require.NoError(t, err)
			assert.True(t, again.Equal(got) && again.Scale() == got.Scale(), "round trip of %q", tt.in)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", `invalid decimal "": empty`},
		{"sign only", "-", `invalid decimal "-": no digits`},
		{"nan", "NaN", `invalid decimal "NaN": unexpected 'N'`},
		{"two points", "1.2.3", `invalid decimal "1.2.3": second decimal point`},
		{"letters", "12abc", `invalid decimal "12abc": unexpected 'a'`},
		{"exponent", "1e3", `invalid decimal "1e3": unexpected 'e'`},
		{"no integer digits", ".5", `invalid decimal ".5": no digits before the decimal point`},
		{"no fraction digits", "5.", `invalid decimal "5.": no digits after the decimal point`},
		{"space", " 5", `invalid decimal " 5": unexpected ' '`},
		{"two signs", "--5", `invalid decimal "--5": unexpected '-'`},
		{"comma", "1,5", `invalid decimal "1,5": unexpected ','`},
		{"long", strings.Repeat("9", 50) + "x", `invalid decimal "9999999999999999999999999999999999999999...": unexpected 'x'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error(), "Parse(%q)", tt.in)
			var pe *ParseError
			require.True(t, errors.As(err, &pe))
			assert.Equal(t, tt.in, pe.Text)
		})
	}
	assert.Panics(t, func() { MustParse("x") })
}

func TestDecimalConversion(t *testing.T) {
	tests := []struct {
		name string
		in   decimal.Decimal
		want string
	}{
		{"cents", decimal.New(273, -2), "2.73"},
		{"positive exponent", decimal.New(5, 3), "5000"},
		{"zero value", decimal.Decimal{}, "0"},
		{"string", decimal.RequireFromString("-0.0500"), "-0.0500"},
		{"big", decimal.RequireFromString("123456789012345678901234567890.5"), "123456789012345678901234567890.5"},
		{"big exponent", decimal.New(9, 20), "900000000000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromDecimal(tt.in)
			checkForm(t, got)
			assert.Equal(t, tt.want, got.String(), "FromDecimal(%v)", tt.in)
			assert.True(t, got.Decimal().Equal(tt.in), "Decimal() of %v", got)
			assert.Equal(t, tt.want, got.Decimal().StringFixed(got.Scale()))
		})
	}
}

func TestFromDecimalExtremeExponent(t *testing.T) {
	d := FromDecimal(decimal.New(-10, math.MinInt32))
	assert.Equal(t, int32(math.MaxInt32), d.Scale())
	assert.Equal(t, -1, d.Sign())
	assert.Panics(t, func() { FromDecimal(decimal.New(7, math.MinInt32)) })
}

func TestAppend(t *testing.T) {
	got := MustParse("-12.50").Append([]byte("x="))
	assert.Equal(t, "x=-12.50", string(got))
}
