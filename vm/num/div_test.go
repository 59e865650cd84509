package num

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiv(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want string
	}{
		{"one third", "1", "3", "0.3333333333333333"},
		{"two thirds", "2", "3", "0.6666666666666667"},
		{"exact", "10", "4", "2.5"},
		{"integer", "6", "3", "2"},
		{"scale trimmed", "6.00", "3", "2"},
		{"minus one third", "-1", "3", "-0.3333333333333333"},
		{"minus two thirds", "2", "-3", "-0.6666666666666667"},
		{"both negative", "-2", "-3", "0.6666666666666667"},
		{"zero", "0", "7", "0"},
		{"zero with scale", "0.00", "-7", "0"},
		{"half up at digit 17", "0.00000000000000005", "1", "0.0000000000000001"},
		{"half negative", "-0.00000000000000005", "1", "-0.0000000000000001"},
		{"below half", "0.000000000000000049", "1", "0"},
		{"money", "1000.00", "3", "333.3333333333333333"},
		{"percent", "17.5", "0.05", "350"},
		{"by small", "1", "0.0000000000000000000001", "10000000000000000000000"},
		{"large", "123456789012345678901234567890", "7", "17636684144620811271604938270"},
		{"large inexact", "123456789012345678901234567891", "7", "17636684144620811271604938270.1428571428571429"},
		{"large divisor", "1", "123456789012345678901234567890", "0"},
		{"large both", "123456789012345678901234567890", "123456789012345678901234567890", "1"},
		{"min int64", "-9223372036854775808", "-1", "9223372036854775808"},
		{"min int64 by 2", "-9223372036854775808", "2", "-4611686018427387904"},
		{"huge scale dividend", "1.00000000000000000000000000000000000000000000000000000000000001", "3", "0.3333333333333333"},
		{"tiny over int", "0.00000000000000000000000000000000000000001", "1", "0"},
		{"tiny over tiny", "0.000000000000000000000000000000000000000012", "0.000000000000000000000000000000000000000004", "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MustParse(tt.a).Div(MustParse(tt.b))
			require.NoError(t, err)
			checkForm(t, got)
			assert.Equal(t, tt.want, got.String(), "Div(%s, %s)", tt.a, tt.b)
		})
	}
}

func TestDivByZero(t *testing.T) {
	for _, b := range []Dec{{}, New(0, 5), MustParse("0.000")} {
		for _, a := range []Dec{FromInt(1), {}, MustParse("-100000000000000000000")} {
			_, err := a.Div(b)
			assert.ErrorIs(t, err, ErrDivByZero, "Div(%v, %v)", a, b)
		}
	}
}
