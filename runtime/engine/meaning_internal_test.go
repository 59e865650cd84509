package engine

import (
	"testing"

	"github.com/promoc/promoc/vm"
)

func TestCanonDecimal(t *testing.T) {
	for in, want := range map[string]string{
		"50": "50", "50.00": "50", "50.0": "50", "50.10": "50.1", "0.50": "0.5",
		"0": "0", "0.000": "0", "-0": "0", "-0.0": "0", "-12.340": "-12.34", "100": "100",
		"1e5": "1e5", "": "", "abc": "abc", "1.": "1.", ".5": ".5", "1.2.3": "1.2.3",
	} {
		if got := canonDecimal(in); got != want {
			t.Errorf("canonDecimal(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzCanonDecimal: two decimals of the inputs' syntax have the same
// canonical text exactly when they are the same number.
func FuzzCanonDecimal(f *testing.F) {
	for _, s := range [][2]string{{"50.00", "50"}, {"0.1", "0.10"}, {"-0", "0.0"}, {"12.5", "12.50"}, {"1", "10"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		x, errA := vm.ParseNumber([]byte(a))
		y, errB := vm.ParseNumber([]byte(b))
		if errA != nil || errB != nil {
			return
		}
		if same := canonDecimal(a) == canonDecimal(b); same != x.Equal(y) {
			t.Errorf("%q and %q: canonical %q and %q, equal numbers %v", a, b, canonDecimal(a), canonDecimal(b), x.Equal(y))
		}
	})
}
