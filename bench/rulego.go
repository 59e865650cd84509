package bench

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// The rewards of workload 3 written by hand in Go, one case per shape:
// Exact with shopspring/decimal (the reference every engine is checked
// against) and Float with float64. Both follow spec/spec.md: the window is
// [now - days, now); avg, max, first and last of no transactions skip, and
// so does a run whose aggregations all matched nothing; the value is
// rounded, then capped, then compared with the minimum; a value that is not
// positive, or rounds to zero, is skipped. A skipped reward's answer is 0.

// span is the reward's window for the player: [from, to), or every
// transaction when all is true.
type span struct {
	from, to time.Time
	all      bool
}

// span is the reward's window for ev's player: a calendar window in the
// player's zone or in FixedZone (calendar.go), or last Days days.
func (s *RewardSpec) span(ev *Event) span {
	if s.Calendar != NoCalendar {
		zone := s.Zone
		if zone == "" {
			zone = ev.Zone
		}
		loc, err := hostZone(zone)
		if err != nil {
			panic(fmt.Sprintf("%s: zone of %s: %v", s.Name, ev.Player, err)) // the generated players all have valid zones
		}
		from, to := calendarBounds(s.Calendar, Now, loc)
		return span{from: from, to: to}
	}
	if s.Days == 0 {
		return span{all: true}
	}
	return span{from: Now.Add(-time.Duration(s.Days) * 24 * time.Hour), to: Now}
}

func (s *RewardSpec) inWindow(t *Tx, w span) bool {
	return w.all || !t.Time.Before(w.from) && t.Time.Before(w.to)
}

// Exact is the reward's answer, exact.
func (s *RewardSpec) Exact(ev *Event) decimal.Decimal {
	since := s.span(ev)
	sum := func(ts []Tx, keep func(*Tx) bool) (total decimal.Decimal, n int) {
		for i := range ts {
			if t := &ts[i]; s.inWindow(t, since) && (keep == nil || keep(t)) {
				total = total.Add(t.Amount)
				n++
			}
		}
		return total, n
	}
	var v decimal.Decimal
	switch s.Shape {
	case ShapeTieredDeposit:
		var last *Tx
		for i := range ev.Deposits {
			if s.inWindow(&ev.Deposits[i], since) {
				last = &ev.Deposits[i]
			}
		}
		if last == nil {
			return decimal.Zero
		}
		d := last.Amount
		switch {
		case d.GreaterThan(s.A):
			v = decimal.Min(d.Mul(s.P1), s.Limit)
		case d.GreaterThan(s.B):
			v = d.Mul(s.P2)
		case d.GreaterThan(s.C):
			v = s.Fix
		default:
			return decimal.Zero
		}
	case ShapeCashback:
		keep := func(t *Tx) bool { return t.Game == s.Game && t.Category != s.Category }
		bets, nb := sum(ev.Bets, keep)
		wins, nw := sum(ev.Wins, keep)
		if nb+nw == 0 {
			return decimal.Zero
		}
		v = s.P1.Mul(bets.Sub(wins))
	case ShapeDepositCount:
		total, n := sum(ev.Deposits, nil)
		switch {
		case n > s.K1:
			v = s.P1.Mul(total)
		case n > s.K2:
			v = s.P2.Mul(total)
		default:
			return decimal.Zero
		}
	case ShapeTieredBets:
		bets, n := sum(ev.Bets, func(t *Tx) bool { return t.Category == s.Category })
		if n == 0 {
			return decimal.Zero
		}
		switch {
		case bets.GreaterThan(s.A):
			v = s.P1.Mul(bets)
		case bets.GreaterThan(s.B):
			v = s.P2.Mul(bets)
		default:
			v = s.P3.Mul(bets)
		}
	case ShapeVIP:
		if ev.VIPLevel < s.Level || !slices.Contains(vipCountries, ev.Country) {
			return decimal.Zero
		}
		bets, n := sum(ev.Bets, func(t *Tx) bool { return t.Provider == s.Provider })
		if n == 0 {
			return decimal.Zero
		}
		v = s.P1.Mul(bets)
	case ShapeNetDeposit:
		deps, nd := sum(ev.Deposits, nil)
		draws, nw := sum(ev.Withdrawals, nil)
		if nd+nw == 0 {
			return decimal.Zero
		}
		v = s.P1.Mul(deps.Sub(draws).Abs())
		switch {
		case v.LessThan(s.C):
			v = s.C
		case v.GreaterThan(s.Limit):
			v = s.Limit
		}
	case ShapeBigWin:
		var biggest decimal.Decimal
		n := 0
		for i := range ev.Wins {
			if t := &ev.Wins[i]; s.inWindow(t, since) {
				if n == 0 || t.Amount.GreaterThan(biggest) {
					biggest = t.Amount
				}
				n++
			}
		}
		if n == 0 || !biggest.GreaterThan(s.A) {
			return decimal.Zero
		}
		bets, _ := sum(ev.Bets, func(t *Tx) bool { return t.Game == s.Game })
		v = s.P1.Mul(bets)
	case ShapeWelcome:
		var first *Tx
		cards := 0
		for i := range ev.Deposits {
			if t := &ev.Deposits[i]; s.inWindow(t, since) {
				if first == nil {
					first = t
				}
				if t.Method == "card" {
					cards++
				}
			}
		}
		if cards < 1 {
			return decimal.Zero
		}
		v = decimal.Min(s.P1.Mul(first.Amount), s.Limit)
	case ShapePoints:
		_, n := sum(ev.Bets, func(t *Tx) bool { return t.Amount.GreaterThanOrEqual(s.A) })
		if n == 0 {
			return decimal.Zero
		}
		v = decimal.NewFromInt(int64(n * s.K1))
	case ShapeAvgBet:
		total, n := sum(ev.Bets, nil)
		if n == 0 {
			return decimal.Zero
		}
		avg := total.DivRound(decimal.NewFromInt(int64(n)), 16) // spec: 16 decimals, half away from zero
		if avg.LessThan(s.A) || n < s.K1 {
			return decimal.Zero
		}
		v = s.P1.Mul(total)
	case ShapeMinDeposit:
		var smallest decimal.Decimal
		total, n := decimal.Zero, 0
		for i := range ev.Deposits {
			if t := &ev.Deposits[i]; s.inWindow(t, since) {
				if n == 0 || t.Amount.LessThan(smallest) {
					smallest = t.Amount
				}
				total = total.Add(t.Amount)
				n++
			}
		}
		if n == 0 || smallest.LessThan(s.A) {
			return decimal.Zero
		}
		v = s.P1.Mul(total)
	case ShapeVIPRate:
		bets, n := sum(ev.Bets, func(t *Tx) bool { return t.Category == s.Category })
		if n == 0 {
			return decimal.Zero
		}
		switch {
		case ev.VIPLevel >= s.Level:
			v = s.P1.Mul(bets)
		case bets.GreaterThan(s.A):
			v = s.P2.Mul(bets)
		default:
			v = s.P3.Mul(bets)
		}
	}
	return s.finish(v)
}

// finish rounds, caps and applies the minimum.
func (s *RewardSpec) finish(v decimal.Decimal) decimal.Decimal {
	if v.Sign() <= 0 {
		return decimal.Zero
	}
	places := int32(2)
	if s.Shape == ShapePoints {
		places = 0
	}
	if s.RoundDown {
		v = v.Truncate(places)
	} else {
		v = v.Round(places) // half away from zero
	}
	switch {
	case v.IsZero():
		return decimal.Zero
	case !s.Cap.IsZero() && v.GreaterThan(s.Cap):
		v = s.Cap
	}
	if !s.Minimum.IsZero() && v.LessThan(s.Minimum) {
		return decimal.Zero
	}
	return v
}

// specFloats are a spec's decimals as float64, for Float.
type specFloats struct {
	p1, p2, p3, a, b, c, fix, limit, cap, minimum float64
}

func (s *RewardSpec) floats() specFloats {
	f := func(d decimal.Decimal) float64 { return d.InexactFloat64() }
	return specFloats{f(s.P1), f(s.P2), f(s.P3), f(s.A), f(s.B), f(s.C), f(s.Fix), f(s.Limit), f(s.Cap), f(s.Minimum)}
}

// Float is the reward's answer computed with float64, as Exact computes
// it.
func (s *RewardSpec) Float(ev *Event, f *specFloats) float64 {
	since := s.span(ev)
	sum := func(ts []Tx, keep func(*Tx) bool) (total float64, n int) {
		for i := range ts {
			if t := &ts[i]; s.inWindow(t, since) && (keep == nil || keep(t)) {
				total += t.F
				n++
			}
		}
		return total, n
	}
	var v float64
	switch s.Shape {
	case ShapeTieredDeposit:
		var last *Tx
		for i := range ev.Deposits {
			if s.inWindow(&ev.Deposits[i], since) {
				last = &ev.Deposits[i]
			}
		}
		if last == nil {
			return 0
		}
		switch d := last.F; {
		case d > f.a:
			v = math.Min(d*f.p1, f.limit)
		case d > f.b:
			v = d * f.p2
		case d > f.c:
			v = f.fix
		default:
			return 0
		}
	case ShapeCashback:
		keep := func(t *Tx) bool { return t.Game == s.Game && t.Category != s.Category }
		bets, nb := sum(ev.Bets, keep)
		wins, nw := sum(ev.Wins, keep)
		if nb+nw == 0 {
			return 0
		}
		v = f.p1 * (bets - wins)
	case ShapeDepositCount:
		total, n := sum(ev.Deposits, nil)
		switch {
		case n > s.K1:
			v = f.p1 * total
		case n > s.K2:
			v = f.p2 * total
		default:
			return 0
		}
	case ShapeTieredBets:
		bets, n := sum(ev.Bets, func(t *Tx) bool { return t.Category == s.Category })
		if n == 0 {
			return 0
		}
		switch {
		case bets > f.a:
			v = f.p1 * bets
		case bets > f.b:
			v = f.p2 * bets
		default:
			v = f.p3 * bets
		}
	case ShapeVIP:
		if ev.VIPLevel < s.Level || !slices.Contains(vipCountries, ev.Country) {
			return 0
		}
		bets, n := sum(ev.Bets, func(t *Tx) bool { return t.Provider == s.Provider })
		if n == 0 {
			return 0
		}
		v = f.p1 * bets
	case ShapeNetDeposit:
		deps, nd := sum(ev.Deposits, nil)
		draws, nw := sum(ev.Withdrawals, nil)
		if nd+nw == 0 {
			return 0
		}
		v = min(max(f.p1*math.Abs(deps-draws), f.c), f.limit)
	case ShapeBigWin:
		biggest, n := 0.0, 0
		for i := range ev.Wins {
			if t := &ev.Wins[i]; s.inWindow(t, since) {
				if n == 0 || t.F > biggest {
					biggest = t.F
				}
				n++
			}
		}
		if n == 0 || !(biggest > f.a) {
			return 0
		}
		bets, _ := sum(ev.Bets, func(t *Tx) bool { return t.Game == s.Game })
		v = f.p1 * bets
	case ShapeWelcome:
		var first *Tx
		cards := 0
		for i := range ev.Deposits {
			if t := &ev.Deposits[i]; s.inWindow(t, since) {
				if first == nil {
					first = t
				}
				if t.Method == "card" {
					cards++
				}
			}
		}
		if cards < 1 {
			return 0
		}
		v = math.Min(f.p1*first.F, f.limit)
	case ShapePoints:
		_, n := sum(ev.Bets, func(t *Tx) bool { return t.F >= f.a })
		if n == 0 {
			return 0
		}
		v = float64(n * s.K1)
	case ShapeAvgBet:
		total, n := sum(ev.Bets, nil)
		if n == 0 || total/float64(n) < f.a || n < s.K1 {
			return 0
		}
		v = f.p1 * total
	case ShapeMinDeposit:
		smallest, total, n := 0.0, 0.0, 0
		for i := range ev.Deposits {
			if t := &ev.Deposits[i]; s.inWindow(t, since) {
				if n == 0 || t.F < smallest {
					smallest = t.F
				}
				total += t.F
				n++
			}
		}
		if n == 0 || smallest < f.a {
			return 0
		}
		v = f.p1 * total
	case ShapeVIPRate:
		bets, n := sum(ev.Bets, func(t *Tx) bool { return t.Category == s.Category })
		if n == 0 {
			return 0
		}
		switch {
		case ev.VIPLevel >= s.Level:
			v = f.p1 * bets
		case bets > f.a:
			v = f.p2 * bets
		default:
			v = f.p3 * bets
		}
	}
	if v <= 0 {
		return 0
	}
	scale := 100.0
	if s.Shape == ShapePoints {
		scale = 1
	}
	if s.RoundDown {
		v = math.Floor(v*scale) / scale
	} else {
		v = math.Round(v*scale) / scale
	}
	if f.cap > 0 {
		v = math.Min(v, f.cap)
	}
	if v < f.minimum {
		return 0
	}
	return v
}
