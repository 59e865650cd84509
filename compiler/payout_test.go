package compiler_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

const payoutSchema = "kind first_deposit { amount: money  publisher: string }\nkind registration { publisher: string  amount: number }\n"

func TestPayoutErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
		code            lang.Code
	}{
		{"unknown kind", "payout p: publisher on conversion ftd { give 1 EUR }\n",
			"unknown transaction kind ftd", lang.CodeUndefinedKind},
		{"two of one side", "payout a: publisher on conversion first_deposit { give 1 EUR }\npayout b: publisher on conversion first_deposit { give 2 EUR }\n",
			"payouts a and b are both publisher payouts on conversion first_deposit", lang.CodeInvalidPayout},
		{"unknown attribute", "payout p: publisher on conversion first_deposit { give 10% of conversion.amont }\n",
			"first_deposit has no attribute amont (did you mean amount?)", lang.CodeUndefinedAttribute},
		{"conversion in a reward", "reward r: amount { give 10% of conversion.amount }\n",
			"undefined: conversion", lang.CodeUndefinedName},
		{"conversion in a cap", "payout p: publisher on conversion first_deposit {\n\tcap conversion.amount\n\tgive 1 EUR\n}\n",
			"cannot read the conversion", lang.CodeInvalidConst},
		{"one type per attribute", "payout a: publisher on conversion first_deposit { give 1 EUR }\npayout b: publisher on conversion registration { give 1 EUR }\n",
			"conversion.amount is a Number in kind registration, but a Money in another payout's kind", lang.CodeInvalidPayout},
		{"attribution twice", "attribution last click within 30 days\nattribution last click within 7 days\n",
			"attribution of every offer declared twice", lang.CodeInvalidPayout},
		{"attribution of an offer twice", "attribution last click within 30 days for offer \"A\"\nattribution last click within 7 days for offer \"A\"\n",
			`attribution of offer "A" declared twice`, lang.CodeInvalidPayout},
		{"attribution of no time", "attribution last click within 0 days\n",
			"a window of no time attributes nothing", lang.CodeInvalidPayout},
		{"a payout gives money", "payout p: publisher on conversion first_deposit { give 3 }\n",
			"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := checkOne(t, payoutSchema+tt.src)
			if tt.want == "" {
				require.True(t, diags.HasErrors(), "Check(%q)", tt.src)
				return
			}
			require.NotEmpty(t, diags, "Check(%q)", tt.src)
			assert.Contains(t, diags[0].Message, tt.want)
			assert.Equal(t, tt.code, diags[0].Code)
		})
	}
}

func TestPayoutInfo(t *testing.T) {
	info, diags := checkOne(t, payoutSchema+`attribution last click within 30 days
attribution last click within 2 weeks for offer "SPA-2026"
payout share: publisher on conversion first_deposit {
	give 30% of conversion.amount
}
payout ftd_tiers: revenue on conversion first_deposit {
	window last 30 days
	tiers count(first_deposit where publisher == conversion.publisher) {
		at least 2: give 45 EUR
		else: give 30 EUR
	}
}
`)
	require.Empty(t, diags)
	require.Len(t, info.Payouts, 2)
	assert.Equal(t, "share", info.Payouts[0].Reward.Decl.Name.Name)
	assert.Equal(t, lang.PayoutPublisher, info.Payouts[0].Side)
	assert.Equal(t, lang.PayoutRevenue, info.Payouts[1].Side)
	assert.Equal(t, "first_deposit", info.Payouts[1].Kind.Name)
	var props []string
	for _, p := range info.Props {
		props = append(props, p.Name)
	}
	assert.Contains(t, props, compiler.ConvPrefix+"amount")
	assert.Contains(t, props, compiler.ConvPrefix+"publisher")
	require.Len(t, info.Attributions, 2)
	assert.Equal(t, 30*24*time.Hour, info.Attributions[0].Window)
	assert.Equal(t, "SPA-2026", info.Attributions[1].Offer)
	assert.Equal(t, 14*24*time.Hour, info.Attributions[1].Window)
}
