package num

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRound(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		decimals int32
		mode     Mode
		want     string
	}{
		// spec/semantics.md, "A reward, step by step", step 5.
		{"domain down 2", "2.735", 2, Down, "2.73"},
		{"domain up 2", "2.735", 2, Up, "2.74"},
		{"domain nearest 2", "2.735", 2, Nearest, "2.74"},
		{"domain down 0", "2.735", 0, Down, "2"},
		{"domain up 0", "2.735", 0, Up, "3"},
		{"domain nearest 0", "2.735", 0, Nearest, "3"},
		{"domain down 3 unchanged", "2.735", 3, Down, "2.735"},
		{"domain up 3 unchanged", "2.735", 3, Up, "2.735"},
		{"domain nearest 3 unchanged", "2.735", 3, Nearest, "2.735"},
		{"negative down", "-2.735", 2, Down, "-2.73"},
		{"negative up", "-2.735", 2, Up, "-2.74"},
		{"negative nearest", "-2.735", 2, Nearest, "-2.74"},
		{"negative down 0", "-2.735", 0, Down, "-2"},
		{"negative up 0", "-2.735", 0, Up, "-3"},
		{"negative nearest 0", "-2.735", 0, Nearest, "-3"},
		// Ties.
		{"tie 0.5", "0.5", 0, Nearest, "1"},
		{"tie 1.5", "1.5", 0, Nearest, "2"},
		{"tie 2.5", "2.5", 0, Nearest, "3"},
		{"tie -0.5", "-0.5", 0, Nearest, "-1"},
		{"tie -2.5", "-2.5", 0, Nearest, "-3"},
		{"below tie", "2.4999", 0, Nearest, "2"},
		{"half even 0.5", "0.5", 0, HalfEven, "0"},
		{"half even 1.5", "1.5", 0, HalfEven, "2"},
		{"half even 2.5", "2.5", 0, HalfEven, "2"},
		{"half even -2.5", "-2.5", 0, HalfEven, "-2"},
		{"half even above tie", "2.51", 0, HalfEven, "3"},
		{"floor", "2.9", 0, Floor, "2"},
		{"floor negative", "-2.1", 0, Floor, "-3"},
		{"ceiling", "2.1", 0, Ceiling, "3"},
		{"ceiling negative", "-2.9", 0, Ceiling, "-2"},
		// Exact values stay, whatever the mode.
		{"exact up", "2.70", 1, Up, "2.7"},
		{"exact nearest", "-3.000", 0, Nearest, "-3"},
		{"zero up", "0.000", 1, Up, "0.0"},
		// More decimals extend the scale.
		{"extend", "2.7", 3, Nearest, "2.700"},
		{"extend integer", "5", 2, Down, "5.00"},
		// Small values.
		{"tiny up", "0.001", 2, Up, "0.01"},
		{"tiny down", "0.009", 2, Down, "0.00"},
		{"tiny negative up", "-0.001", 2, Up, "-0.01"},
		{"tiny nearest", "0.004999", 2, Nearest, "0.00"},
		// Negative decimals round to tens and hundreds.
		{"hundreds", "1250", -2, Nearest, "1300"},
		{"hundreds down", "1299.99", -2, Down, "1200"},
		{"tens negative", "-15", -1, Nearest, "-20"},
		// Near and past the int64 limits.
		{"max int64", "9223372036854775807", -18, Nearest, "9000000000000000000"},
		{"max int64 up", "9223372036854775807", -18, Up, "10000000000000000000"},
		{"min int64", "-9223372036854775808", -1, Nearest, "-9223372036854775810"},
		{"min int64 19 digits", "-9223372036854775808", -19, Nearest, "-10000000000000000000"},
		{"int64 19 digits down", "-9223372036854775808", -19, Down, "0"},
		{"int64 20 digits up", "4", -20, Up, "100000000000000000000"},
		{"int64 20 digits nearest", "9223372036854775807", -20, Nearest, "0"},
		{"scale 19 tie", "0.5000000000000000000", 0, Nearest, "1"},
		{"scale 19 below tie", "0.4999999999999999999", 0, Nearest, "0"},
		{"scale 20", "0.09223372036854775807", 0, Nearest, "0"},
		{"scale 20 up", "0.09223372036854775807", 0, Up, "1"},
		{"scale 20 ceiling negative", "-0.09223372036854775807", 0, Ceiling, "0"},
		{"scale 20 floor negative", "-0.09223372036854775807", 0, Floor, "-1"},
		{"big tie", "123456789012345678901234567890.5", 0, Nearest, "123456789012345678901234567891"},
		{"big half even", "123456789012345678901234567890.5", 0, HalfEven, "123456789012345678901234567890"},
		{"big negative up", "-123456789012345678901234567890.01", 1, Up, "-123456789012345678901234567890.1"},
		{"big to int64", "0.123456789012345678901234567890", 2, Nearest, "0.12"},
		{"big tiny up", "0.000000000000000000000000000000000000000001234567890123456789", 2, Up, "0.01"},
		{"big tiny nearest", "0.000000000000000000000000000000000000000001234567890123456789", 2, Nearest, "0.00"},
		{"big tiny floor negative", "-0.000000000000000000000000000000000000000001234567890123456789", 0, Floor, "-1"},
		{"big extend", "123456789012345678901234567890", 2, Nearest, "123456789012345678901234567890.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(tt.in)
			require.NoError(t, err)
			got := d.Round(tt.decimals, tt.mode)
			checkForm(t, got)
			assert.Equal(t, tt.want, got.String(), "Round(%s, %d, %v)", tt.in, tt.decimals, tt.mode)
		})
	}
}

func TestMode(t *testing.T) {
	tests := []struct {
		name string
		mode Mode
	}{
		{"nearest", Nearest},
		{"down", Down},
		{"up", Up},
		{"half_even", HalfEven},
		{"floor", Floor},
		{"ceiling", Ceiling},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.name, tt.mode.String())
			m, ok := ParseMode(tt.name)
			assert.True(t, ok)
			assert.Equal(t, tt.mode, m)
		})
	}
	assert.Equal(t, Nearest, Mode(0), "the zero Mode is the domain's default")
	assert.Equal(t, "Mode(9)", Mode(9).String())
	for _, s := range []string{"", "Nearest", "half-even", "round"} {
		_, ok := ParseMode(s)
		assert.False(t, ok, "ParseMode(%q)", s)
	}
}
