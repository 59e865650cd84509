package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseAmount(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"1000", "1000", ""},
		{"0", "0", ""},
		{"250.50", "250.5", ""},
		{"0.00000001", "0.00000001", ""},
		{"10000000000", "10000000000", ""},
		{"0.000000001", "", "amount 0.000000001: more than 8 decimals; budgets are kept to 8"},
		{"10000000000.5", "", "amount 10000000000.5: 10000000000.5 is above 10000000000"},
		{"1e3", "", `amount "1e3": expected digits`},
		{"-5", "", `amount "-5": expected digits`},
		{"+5", "", `amount "+5": expected digits`},
		{"05", "", `amount "05": expected digits`},
		{"5.", "", `amount "5.": expected digits`},
		{".5", "", `amount ".5": expected digits`},
		{"", "", `amount "": expected digits`},
		{"NaN", "", `amount "NaN": expected digits`},
	} {
		d, err := parseAmount(c.in)
		if c.err != "" {
			assert.ErrorContains(t, err, c.err, c.in)
			continue
		}
		if assert.NoError(t, err, c.in) {
			assert.Equal(t, c.want, d.String(), c.in)
		}
	}
}
