// Package num is the exact decimal arithmetic of the promoc VM.
//
// A [Dec] is a decimal number: an integer coefficient and a scale, the number
// of digits after the decimal point, so that the value is coefficient × 10^-scale.
// The scale is never negative and is kept as part of the value: 2.730 has scale 3
// and prints as "2.730"; [Dec.Normalize] removes trailing zeros.
//
// # Why an int64 fast path
//
// Money in promoc is never a float. The obvious exact representation,
// shopspring/decimal, allocates on every operation and is 5-40 times slower than
// integer arithmetic (bench/README.md shows it beside int64), and most promotion
// arithmetic (deposits, bets, percentages) fits comfortably in 64 bits. A Dec therefore keeps
// its coefficient in an int64 whenever it fits. [Dec.Add], [Dec.Sub], [Dec.Mul] and
// [Dec.Cmp] on such values align scales with overflow-checked multiplications by
// powers of ten and detect overflow with math/bits; they take a few nanoseconds and
// never allocate. When a result does not fit, the operation is redone with
// math/big, exactly; when a math/big result fits in an int64 again, it is stored
// in the fast form again, so values do not stay slow. Which form a value uses is
// invisible to callers: results are the same either way, and the differential
// fuzz tests check them against shopspring/decimal.
//
// # Guarantees
//
//   - [Dec.Add], [Dec.Sub], [Dec.Mul], [Dec.Neg] and [Dec.Abs] are exact. The
//     scale of a sum or difference is the larger scale of the operands; the scale
//     of a product is the sum of their scales (1.10 × 2.0 = 2.200). Nothing is
//     capped or rounded silently.
//   - Division is the one inexact operation, with a fixed rule that is part of
//     the language: the quotient a / b is rounded to exactly [DivScale] (16)
//     digits after the decimal point, half away from zero, and trailing zeros are
//     then removed. So 1/3 = 0.3333333333333333, 2/3 = 0.6666666666666667,
//     -1/3 = -0.3333333333333333, 10/4 = 2.5 and 6/3 = 2. Division by zero
//     returns [ErrDivByZero]; it never panics.
//   - [Dec.Round] rounds to a number of decimals with an explicit [Mode]: [Down]
//     (toward zero), [Up] (away from zero), [Nearest] (half away from zero),
//     [HalfEven], [Floor] (toward -∞) and [Ceiling] (toward +∞). 2.735 rounds to
//     2.73 / 2.74 / 2.74 at 2 decimals with Down / Up / Nearest, and -2.735 to
//     -2.73 / -2.74 / -2.74.
//   - Every operation is pure integer arithmetic, so results are identical on
//     every platform. The package has no mutable state and never touches
//     shopspring's package variables such as decimal.DivisionPrecision.
//
// A Dec is an immutable value and safe to share between goroutines. Compare
// values with [Dec.Cmp] or [Dec.Equal], never with ==: 1.0 and 1.00 are equal
// numbers with different scales. At API boundaries money is a
// decimal.Decimal; [FromDecimal] and [Dec.Decimal] convert exactly.
//
// Costs grow with the number of digits: a scale of a million digits is exact
// but slow. The only result this package cannot represent is one whose scale
// exceeds math.MaxInt32; [Dec.Mul] panics on it, since no realistic input gets
// there.
package num
