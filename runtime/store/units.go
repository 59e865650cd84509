package store

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// Scale is the number of decimals budgets are kept to: amounts are stored
// as integers of 10^-Scale, so sums in the database are exact and never a
// float.
const Scale = 8

// maxUnits bounds amounts so that a limit plus a reservation never
// overflows int64: 10^18 units is 10,000,000,000 whole units.
const maxUnits = 1_000_000_000_000_000_000

// Units converts an amount to integer units of 10^-Scale. An amount with
// more decimals than Scale, negative, or above 10^10 is [ErrAmount].
func Units(d decimal.Decimal) (int64, error) {
	s := d.Shift(Scale)
	if !s.Equal(s.Truncate(0)) {
		return 0, fmt.Errorf("%w: %s has more than %d decimals", ErrAmount, d, Scale)
	}
	if s.Sign() < 0 {
		return 0, fmt.Errorf("%w: %s is negative", ErrAmount, d)
	}
	b := s.BigInt()
	if !b.IsInt64() || b.Int64() > maxUnits {
		return 0, fmt.Errorf("%w: %s is above 10000000000", ErrAmount, d)
	}
	return b.Int64(), nil
}

// FromUnits converts integer units of 10^-Scale back to an amount.
func FromUnits(u int64) decimal.Decimal { return decimal.New(u, -Scale) }
