package compiler

import (
	"strings"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
)

// noRoundedAmount reports a cap and a minimum, in a currency both have
// (or as numbers), between which no amount of the rounding lies: the
// pipeline rounds, then caps to the cap rounded down to the rounding (a
// cap of 10.9 at 0 decimals gives at most 10), so with a minimum above
// that (10.5) every amount is skipped (below-minimum) and the reward
// never issues one. Checked where the rounding is known statically: an
// explicit round, 0 decimals for points, gems and diamonds, the minor
// units of the cap's currency for an amount. It reports whether it
// reported: the cap's decimals beyond the rounding are then the same
// mistake, not reported again.
func (c *checker) noRoundedAmount(r *RewardInfo, capSet lang.Setting) bool {
	if r.Cap == nil || r.Minimum == nil || capSet == nil {
		return false
	}
	perCur := len(r.Cap.PerCur) > 0 || len(r.Minimum.PerCur) > 0
	reported := false
	for _, ca := range limitAmounts(r.Cap) {
		decimals, ok := r.Decimals, r.RoundSet
		if !ok {
			decimals, ok = 0, true
			if r.Decl.Result.Kind == lang.ResultAmount {
				code, known := currency.Parse(ca.Cur)
				decimals, ok = int32(code.MinorUnits()), known
			}
		}
		if !ok {
			continue // the rounding is the player's currency's: known at run time only
		}
		most := ca.Amount.Round(decimals, num.Down) // the most a capped amount can be
		for _, mi := range limitAmounts(r.Minimum) {
			if ca.Cur != mi.Cur || ca.Amount.Cmp(mi.Amount) < 0 || most.Cmp(mi.Amount) >= 0 {
				continue // another currency; a cap below the minimum (capBelowMinimum); an amount issues
			}
			text := func(d num.Dec) string { return strings.TrimSpace(d.Normalize().String() + " " + ca.Cur) }
			in := ""
			if perCur {
				in = " in " + ca.Cur
			}
			c.errorf(capSet.(*lang.CapSetting).Value, lang.CodeNoRoundedAmount,
				"no amount rounded to %d decimals lies between the minimum %s and the cap %s: every amount%s is capped to at most %s, below the minimum, so reward %s never issues one%s: raise the cap to at least %s, or lower the minimum to at most %s",
				decimals, text(mi.Amount), text(ca.Amount), in, text(most), r.Symbol.Name, in, text(mi.Amount.Round(decimals, num.Up)), text(most))
			reported = true
		}
	}
	return reported
}
