package vm

import (
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
)

// give runs the outcome pipeline on the value *v that give at pc produced,
// in the order spec/semantics.md fixes (steps 4 to 8 of "A reward, step by
// step"; spec/spec.md section 8 in full):
//
//  1. A formula that aggregated transactions and matched none at all is
//     skipped: "no-matching-transactions".
//  2. Templates are calculated as they are; the rest of the pipeline is for
//     amounts, points, gems and diamonds.
//  3. Zero or negative: skipped, "non-positive-amount".
//  4. Round (the reward's mode and decimals; by default nearest, to the
//     currency's minor units for amounts and 0 decimals otherwise); zero or
//     negative now: skipped, "rounded-to-zero".
//  5. Cap: the smaller of the value and the cap for the player's currency
//     (points: the entry of currency 0); a cap without that currency is an
//     error, "missing-currency-value". A cap that has more decimals than the
//     rounding is rounded down to them, so the result never exceeds the cap.
//  6. Minimum: below the minimum for the player's currency, skipped,
//     "below-minimum"; exactly the minimum is issued.
//  7. Calculated, with Manual from the reward's approval.
//
// An amount must be in the player's currency (a number counts as such); an
// amount in another currency is the error "currency-mismatch".
//
// The pipeline works on the decimal and the currency rather than on whole
// Values, which are too large to live in registers (see [assign]).
func (m *Machine) give(pc int, v *Value) {
	r, d, p := m.r, m.d, m.p
	if m.ranAgg && !m.matched {
		m.skip(pc, ReasonNoMatchingTransactions, "the formula reads transactions and none matched")
		m.value = Value{}
		assign(&m.raw, v)
		m.valued = true
		return
	}
	if r.Result == ResultTemplate {
		m.end(pc, Calculated, "", "")
		assign(&m.value, v)
		assign(&m.raw, v)
		m.valued, m.manual = true, r.Manual
		return
	}
	cur := currency.Code(0) // of the result, and of the cap and minimum entries that apply
	decimals := r.Round.Decimals
	if r.Result == ResultAmount {
		if v.Cur != 0 && v.Cur != d.cur {
			m.trap(pc, ReasonCurrencyMismatch, "the amount is in "+v.Cur.String()+" but the player's currency is "+curName(d.cur))
			return
		}
		cur = d.cur
		if r.Round.Default {
			decimals = d.minor
		}
	} else if r.Round.Default {
		decimals = 0
	}
	raw := v.N
	n := raw
	if n.Sign() <= 0 {
		m.endNum(pc, Skipped, ReasonNonPositiveAmount, "the amount is zero or negative", cur, n, raw)
		return
	}
	n = n.Round(decimals, r.Round.Mode)
	if n.Sign() <= 0 {
		m.endNum(pc, Skipped, ReasonRoundedToZero, "the amount rounds to zero", cur, n, raw)
		return
	}
	if r.Cap >= 0 {
		c, ok := p.perCurrency(r.Cap, cur)
		if !ok {
			m.endNum(pc, Error, ReasonMissingCurrencyValue, "no cap for "+curName(cur)+" in "+p.formatTable(r.Cap), cur, num.Dec{}, raw)
			m.value = Value{}
			return
		}
		if n.Cmp(c) > 0 {
			// At the result's scale: 200 EUR caps to 200.00; never above the cap.
			n = c.Round(decimals, num.Down)
			if n.Sign() <= 0 {
				m.endNum(pc, Skipped, ReasonNonPositiveAmount, "the cap is zero or negative", cur, n, raw)
				return
			}
		}
	}
	if r.Minimum >= 0 {
		mn, ok := p.perCurrency(r.Minimum, cur)
		if !ok {
			m.endNum(pc, Error, ReasonMissingCurrencyValue, "no minimum for "+curName(cur)+" in "+p.formatTable(r.Minimum), cur, num.Dec{}, raw)
			m.value = Value{}
			return
		}
		if n.Cmp(mn) < 0 {
			m.endNum(pc, Skipped, ReasonBelowMinimum, "the amount is below the minimum", cur, n, raw)
			return
		}
	}
	m.endNum(pc, Calculated, "", "", cur, n, raw)
	m.manual = r.Manual
}

// endNum ends the run after the pipeline with the value n and the raw value
// raw, both in currency cur (0: plain numbers).
func (m *Machine) endNum(pc int, o Outcome, reason, detail string, cur currency.Code, n, raw num.Dec) {
	m.end(pc, o, reason, detail)
	k := numKind(cur)
	m.value.K, m.value.Cur, m.value.N, m.value.I = k, cur, n, 0
	m.raw.K, m.raw.Cur, m.raw.N, m.raw.I = k, cur, raw, 0
	m.valued = true
}
