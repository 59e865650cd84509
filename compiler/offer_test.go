package compiler_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

// checkOne parses and checks one file of a rule set.
func checkOne(t *testing.T, src string) (*compiler.Info, lang.Diagnostics) {
	t.Helper()
	f, diags := lang.Parse("offers.promo", []byte(src))
	require.Empty(t, diags, "parse")
	return compiler.Check([]*lang.File{f}, compiler.Config{})
}

func TestOfferConfirmedKind(t *testing.T) {
	tests := []struct {
		name, src, want string
		code            lang.Code
	}{
		{"undeclared", "reward r: points { give 1 }\nautomation a {\n\ttrigger on offer_confirmed\n\tgive r\n}\n",
			"unknown transaction kind offer_confirmed: a rule set that triggers on confirmations declares it, as in kind offer_confirmed { offer: string  assignment: string  code: string }", lang.CodeUndefinedKind},
		{"missing attribute", "kind offer_confirmed { offer: string  code: string }\n",
			"kind offer_confirmed has no attribute assignment, which a point of sale's confirmation fills", lang.CodeInvalidField},
		{"wrong type", "kind offer_confirmed { offer: string  assignment: string  code: number }\n",
			"attribute code of kind offer_confirmed is a Number, but a confirmation fills it with a string: declare it as code: string", lang.CodeInvalidField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := checkOne(t, tt.src)
			require.Len(t, diags, 1, "Check(%q) = %v", tt.src, diags)
			assert.Contains(t, diags[0].Message, tt.want)
			assert.Equal(t, tt.code, diags[0].Code)
		})
	}
}

func TestOfferInfo(t *testing.T) {
	src := `offer spa_day {
	reference "SPA-2026"
	name "Spa day"
	description "For two"
	requires vouchers
	needs synchronization
	image "https://cdn.example.com/spa.png"
	web "https://example.com/spa"
	field partner: string = "Hotel Phoenicia"
	field worth: money = 120 EUR
	field nights: count = 2
}

offer news { reference "NEWS" }

reward r: points { give 1 }

campaign c {
	trigger on login
	split {
		variant a 50%: give offer spa_day
		variant b 50%: give r
	}
}

kind login {}
`
	info, diags := checkOne(t, src)
	require.Empty(t, diags)
	o := info.Offer("spa_day")
	require.NotNil(t, o)
	assert.Equal(t, "SPA-2026", o.Ref)
	assert.Equal(t, "Spa day", o.Name)
	assert.Equal(t, "For two", o.Description)
	assert.True(t, o.RequiresVouchers)
	assert.True(t, o.NeedsSync)
	assert.Equal(t, "https://cdn.example.com/spa.png", o.Image)
	assert.Equal(t, "https://example.com/spa", o.Web)
	require.Len(t, o.Fields, 3)
	assert.Equal(t, "partner", o.Fields[0].Name)
	assert.Equal(t, "Hotel Phoenicia", o.Fields[0].Value.Str)
	assert.Equal(t, "worth", o.Fields[1].Name)
	assert.Equal(t, "120", o.Fields[1].Value.Num.String())
	assert.Equal(t, compiler.Count, o.Fields[2].Type.Kind)
	n := info.Offer("news")
	require.NotNil(t, n)
	assert.False(t, n.RequiresVouchers || n.NeedsSync)
	require.Len(t, info.Rules, 1)
	require.Len(t, info.Rules[0].Offers, 1)
	assert.Same(t, o, info.Rules[0].Offers[0])
	assert.Nil(t, info.Offer("r"))
}
