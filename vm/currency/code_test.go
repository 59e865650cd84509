package currency

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		minor int32
	}{
		{"euro", "EUR", 2},
		{"dollar", "USD", 2},
		{"pound", "GBP", 2},
		{"yen", "JPY", 0},
		{"kuwaiti dinar", "KWD", 3},
		{"bahraini dinar", "BHD", 3},
		{"omani rial", "OMR", 3},
		{"jordanian dinar", "JOD", 3},
		{"tunisian dinar", "TND", 3},
		{"libyan dinar", "LYD", 3},
		{"iraqi dinar", "IQD", 3},
		{"chilean peso", "CLP", 0},
		{"icelandic krona", "ISK", 0},
		{"korean won", "KRW", 0},
		{"dong", "VND", 0},
		{"ugandan shilling", "UGX", 0},
		{"cfa franc beac", "XAF", 0},
		{"cfa franc bceao", "XOF", 0},
		{"guarani", "PYG", 0},
		{"rwandan franc", "RWF", 0},
		{"comoro franc", "KMF", 0},
		{"djiboutian franc", "DJF", 0},
		{"guinean franc", "GNF", 0},
		{"burundian franc", "BIF", 0},
		{"vatu", "VUV", 0},
		{"cfp franc", "XPF", 0},
		{"uruguay indexed", "UYI", 0},
		{"unidad de fomento", "CLF", 4},
		{"unidad previsional", "UYW", 4},
		{"caribbean guilder", "XCG", 2},
		{"zimbabwe gold", "ZWG", 2},
		{"leone", "SLE", 2},
		{"first", "AED", 2},
		{"last", "ZWL", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := Parse(tt.in)
			require.True(t, ok, "Parse(%q)", tt.in)
			assert.NotZero(t, c)
			assert.Equal(t, tt.in, c.String(), "Parse(%q).String()", tt.in)
			assert.Equal(t, tt.minor, c.MinorUnits(), "Parse(%q).MinorUnits()", tt.in)
			assert.True(t, Known(tt.in))
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"lower case", "eur"},
		{"mixed case", "Eur"},
		{"two letters", "EU"},
		{"four letters", "EURO"},
		{"not iso", "BTC"},
		{"withdrawn long ago", "DEM"},
		{"croatian kuna, withdrawn 2023", "HRK"},
		{"no minor units", "XAU"},
		{"test code", "XTS"},
		{"no currency", "XXX"},
		{"digits", "978"},
		{"space", "EU "},
		{"non ascii", "ÉUR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := Parse(tt.in)
			assert.False(t, ok, "Parse(%q)", tt.in)
			assert.Zero(t, c)
			assert.False(t, Known(tt.in))
		})
	}
}

func TestZeroCode(t *testing.T) {
	var c Code
	assert.Equal(t, "", c.String())
	assert.Equal(t, int32(0), c.MinorUnits())
}

func TestStringOfUnknownCode(t *testing.T) {
	c, ok := pack("BTC")
	require.True(t, ok)
	assert.Equal(t, "BTC", c.String(), "a packed code not in the table still prints its letters")
	assert.Equal(t, int32(0), c.MinorUnits())
	assert.Equal(t, "Code(65535)", Code(65535).String())
	assert.Equal(t, "Code(31)", Code(31).String())
}

func TestStringDoesNotAllocate(t *testing.T) {
	c, _ := Parse("EUR")
	var s string
	assert.Zero(t, testing.AllocsPerRun(100, func() { s = c.String() }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { c, _ = Parse("KWD") }))
	_ = s
}

func TestTable(t *testing.T) {
	require.Zero(t, len(table)%entry, "table length")
	prev := ""
	for i := 0; i < len(table); i += entry {
		code, digit := table[i:i+3], table[i+3]
		assert.Greater(t, code, prev, "table not sorted at %s", code)
		assert.Contains(t, "0234", string(digit), "minor units of %s", code)
		_, ok := pack(code)
		assert.True(t, ok, "bad code %q", code)
		prev = code
	}
	all := All()
	assert.Len(t, all, len(table)/entry)
	for _, c := range all {
		got, ok := Parse(c.String())
		assert.True(t, ok)
		assert.Equal(t, c, got)
	}
	for i := range len(all) - 1 {
		assert.Less(t, all[i], all[i+1], "Codes sort like their letters")
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"exact", "EUR", "EUR"},
		{"lower case", "eur", "EUR"},
		{"mixed case", "Usd", "USD"},
		{"spaces", " gbp ", "GBP"},
		{"one letter wrong", "EUE", "EUR"},
		{"one letter missing", "EU", "EUR"},
		{"one letter too many", "EURO", "EUR"},
		{"swapped", "UER", "EUR"},
		{"swapped lower case", "usd ", "USD"},
		{"swapped end", "ERU", "EUR"},
		{"common wins", "USX", "USD"},
		{"common wins over alphabet", "GPB", "GBP"},
		{"alphabetical otherwise", "KWX", "KWD"},
		{"yen", "JYP", "JPY"},
		{"dollar sign word", "DOLLAR", ""},
		{"nothing close", "QQQ", ""},
		{"empty", "", ""},
		{"one letter", "E", ""},
		{"one edit from a code", "BTC", "BTN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Suggest(tt.in), "Suggest(%q)", tt.in)
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	var c Code
	for b.Loop() {
		c, _ = Parse("EUR")
	}
	_ = c
}

func BenchmarkMinorUnits(b *testing.B) {
	c, _ := Parse("KWD")
	b.ReportAllocs()
	var n int32
	for b.Loop() {
		n = c.MinorUnits()
	}
	_ = n
}
