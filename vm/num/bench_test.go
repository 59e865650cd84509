package num

import (
	"testing"

	"github.com/shopspring/decimal"
)

var (
	benchA = MustParse("1999.99")
	benchB = MustParse("-0.05")
	benchC = MustParse("250.00")
)

func BenchmarkAdd(b *testing.B) {
	b.ReportAllocs()
	var r Dec
	for b.Loop() {
		r = benchA.Add(benchC)
	}
	_ = r
}

func BenchmarkAddAlign(b *testing.B) {
	b.ReportAllocs()
	var r Dec
	for b.Loop() {
		r = benchA.Add(benchB)
	}
	_ = r
}

func BenchmarkAddBig(b *testing.B) {
	x := MustParse("123456789012345678901234567890.5")
	b.ReportAllocs()
	var r Dec
	for b.Loop() {
		r = x.Add(benchA)
	}
	_ = r
}

func BenchmarkSub(b *testing.B) {
	b.ReportAllocs()
	var r Dec
	for b.Loop() {
		r = benchA.Sub(benchC)
	}
	_ = r
}

func BenchmarkMul(b *testing.B) {
	b.ReportAllocs()
	var r Dec
	for b.Loop() {
		r = benchA.Mul(benchB)
	}
	_ = r
}

func BenchmarkCmp(b *testing.B) {
	b.ReportAllocs()
	var r int
	for b.Loop() {
		r = benchA.Cmp(benchB)
	}
	_ = r
}

func BenchmarkDiv(b *testing.B) {
	b.ReportAllocs()
	var r Dec
	for b.Loop() {
		r, _ = benchA.Div(benchC)
	}
	_ = r
}

func BenchmarkDivRepeating(b *testing.B) {
	three := FromInt(3)
	b.ReportAllocs()
	var r Dec
	for b.Loop() {
		r, _ = benchA.Div(three) // 199999 × 10^14 needs the 128-bit dividend
	}
	_ = r
}

func BenchmarkDivBig(b *testing.B) {
	x, seven := MustParse("123456789012345678901234567890.5"), FromInt(7)
	b.ReportAllocs()
	var r Dec
	for b.Loop() {
		r, _ = x.Div(seven)
	}
	_ = r
}

func BenchmarkRound(b *testing.B) {
	x := MustParse("99.9995")
	b.ReportAllocs()
	var r Dec
	for b.Loop() {
		r = x.Round(2, Nearest)
	}
	_ = r
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	var r Dec
	for b.Loop() {
		r, _ = Parse("-1999.99")
	}
	_ = r
}

func BenchmarkString(b *testing.B) {
	b.ReportAllocs()
	var r string
	for b.Loop() {
		r = benchA.String()
	}
	_ = r
}

// BenchmarkShopspring runs the same operations as BenchmarkAdd, BenchmarkMul
// and BenchmarkCmp on shopspring/decimal, for comparison.
func BenchmarkShopspring(b *testing.B) {
	x, y, z := benchA.Decimal(), benchB.Decimal(), benchC.Decimal()
	b.Run("Add", func(b *testing.B) {
		b.ReportAllocs()
		var r decimal.Decimal
		for b.Loop() {
			r = x.Add(z)
		}
		_ = r
	})
	b.Run("AddAlign", func(b *testing.B) {
		b.ReportAllocs()
		var r decimal.Decimal
		for b.Loop() {
			r = x.Add(y)
		}
		_ = r
	})
	b.Run("Mul", func(b *testing.B) {
		b.ReportAllocs()
		var r decimal.Decimal
		for b.Loop() {
			r = x.Mul(y)
		}
		_ = r
	})
	b.Run("Cmp", func(b *testing.B) {
		b.ReportAllocs()
		var r int
		for b.Loop() {
			r = x.Cmp(y)
		}
		_ = r
	})
	b.Run("DivRound", func(b *testing.B) {
		b.ReportAllocs()
		var r decimal.Decimal
		for b.Loop() {
			r = x.DivRound(z, DivScale)
		}
		_ = r
	})
}
