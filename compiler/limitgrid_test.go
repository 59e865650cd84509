package compiler_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

// TestNoRoundedAmountCode: a cap and a minimum with no rounded amount
// between them is one diagnostic of its own code, no-rounded-amount, on
// the cap, not also the cap's decimals beyond the rounding, which alone
// stay invalid-setting, as the minimum's do.
func TestNoRoundedAmountCode(t *testing.T) {
	schema, _ := parseFile(t, "testdata/check/schema.promo")
	for _, tc := range []struct {
		name, src string
		want      []lang.Code
	}{
		{"explicit rounding", "reward r: amount {\n\tround down to 0 decimals\n\tcap 10.9 EUR\n\tminimum 10.5 EUR\n\tgive sum(bet.amount)\n}\n", []lang.Code{lang.CodeNoRoundedAmount}},
		{"minor units", "reward r: amount {\n\tcap 10.009 EUR\n\tminimum 10.001 EUR\n\tgive sum(bet.amount)\n}\n", []lang.Code{lang.CodeNoRoundedAmount}},
		{"an amount at the cap", "reward r: amount {\n\tround down to 0 decimals\n\tcap 11 EUR\n\tminimum 10 EUR\n\tgive sum(bet.amount)\n}\n", nil},
		{"minimum decimals alone", "reward r: amount {\n\tround down to 0 decimals\n\tcap 11 EUR\n\tminimum 10.5 EUR\n\tgive sum(bet.amount)\n}\n", []lang.Code{lang.CodeInvalidSetting}},
		{"cap decimals alone", "reward r: amount {\n\tround down to 0 decimals\n\tcap 11.5 EUR\n\tminimum 10 EUR\n\tgive sum(bet.amount)\n}\n", []lang.Code{lang.CodeInvalidSetting}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, diags := lang.Parse("r.promo", []byte(tc.src))
			require.Empty(t, diags)
			_, diags = compiler.Check([]*lang.File{schema, f}, compiler.Config{})
			var got []lang.Code
			for _, d := range diags {
				got = append(got, d.Code)
			}
			assert.Equal(t, tc.want, got, "%v", diags)
		})
	}
}
