package bench

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// The rewards of workload 3 in expr and CEL. Both have lists of
// transactions per kind, sorted by time, with money as float64. What
// promoc's settings do, they write out: the window as a filter on time,
// rounding with round or floor on cents, the cap with min, the minimum with
// a condition. Neither has exact decimals, and CEL has no sum, which the
// host adds (cel.go). A rule that a simplification leaves unchanged is
// written the simple way: a sum of no transactions is 0, which skips like
// promoc's "no matching transactions" does.

// RuleTx is one transaction in expr's environment.
type RuleTx struct {
	Time     time.Time `expr:"time"`
	Amount   float64   `expr:"amount"`
	Game     string    `expr:"game"`
	Category string    `expr:"category"`
	Provider string    `expr:"provider"`
	Method   string    `expr:"method"`
}

// RuleEnv is expr's environment for workload 3.
type RuleEnv struct {
	Now         time.Time `expr:"now"`
	Bets        []RuleTx  `expr:"bets"`
	Wins        []RuleTx  `expr:"wins"`
	Deposits    []RuleTx  `expr:"deposits"`
	Withdrawals []RuleTx  `expr:"withdrawals"`
	VIPLevel    int       `expr:"vip_level"`
	Country     string    `expr:"country"`
	// The bounds of the calendar windows, computed by the host for the
	// player (calendar.go): in the player's zone, and in FixedZone (MT).
	DayFrom     time.Time `expr:"day_from"`
	DayTo       time.Time `expr:"day_to"`
	WeekFrom    time.Time `expr:"week_from"`
	WeekTo      time.Time `expr:"week_to"`
	MonthFrom   time.Time `expr:"month_from"`
	MonthTo     time.Time `expr:"month_to"`
	MTDayFrom   time.Time `expr:"mt_day_from"`
	MTDayTo     time.Time `expr:"mt_day_to"`
	MTWeekFrom  time.Time `expr:"mt_week_from"`
	MTWeekTo    time.Time `expr:"mt_week_to"`
	MTMonthFrom time.Time `expr:"mt_month_from"`
	MTMonthTo   time.Time `expr:"mt_month_to"`
}

// ExprEnv is the event as expr's environment, with the bounds of the
// calendar windows in the player's zone.
func (ev *Event) ExprEnv() (*RuleEnv, error) {
	conv := func(ts []Tx) []RuleTx {
		out := make([]RuleTx, len(ts))
		for i, t := range ts {
			out[i] = RuleTx{Time: t.Time, Amount: t.F, Game: t.Game, Category: t.Category, Provider: t.Provider, Method: t.Method}
		}
		return out
	}
	env := &RuleEnv{Now: Now, Bets: conv(ev.Bets), Wins: conv(ev.Wins), Deposits: conv(ev.Deposits), Withdrawals: conv(ev.Withdrawals),
		VIPLevel: ev.VIPLevel, Country: ev.Country}
	if err := env.setWindows(ev.Zone); err != nil {
		return nil, err
	}
	return env, nil
}

// CELVars is the event as CEL's variables: lists of maps, as JSON
// gives them, and the bounds of the calendar windows in the player's zone.
func (ev *Event) CELVars() (map[string]any, error) {
	conv := func(ts []Tx) []map[string]any {
		out := make([]map[string]any, len(ts))
		for i, t := range ts {
			out[i] = map[string]any{"time": t.Time, "amount": t.F, "game": t.Game, "category": t.Category, "provider": t.Provider, "method": t.Method}
		}
		return out
	}
	vars := map[string]any{"now": Now, "bets": conv(ev.Bets), "wins": conv(ev.Wins), "deposits": conv(ev.Deposits), "withdrawals": conv(ev.Withdrawals),
		"vip_level": int64(ev.VIPLevel), "country": ev.Country}
	if err := setCELWindows(vars, Now, ev.Zone); err != nil {
		return nil, err
	}
	return vars, nil
}

// dialect is what differs between expr and CEL in the sources below.
type dialect struct {
	cel bool
}

// num writes a number: CEL needs a decimal point in a double.
func (d dialect) num(x decimal.Decimal) string {
	s := x.String()
	if d.cel && !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func (d dialect) zero() string { return d.num(decimal.Zero) }

// let binds name to value in body.
func (d dialect) let(name, value, body string) string {
	if d.cel {
		return fmt.Sprintf("cel.bind(%s, %s, %s)", name, value, body)
	}
	return fmt.Sprintf("(let %s = %s; %s)", name, value, body)
}

// filter keeps the transactions of list that satisfy every condition,
// written on a transaction t. With no condition, it is the list itself.
func (d dialect) filter(list string, conds ...string) string {
	if len(conds) == 0 {
		return list
	}
	cond := strings.Join(conds, " && ")
	if d.cel {
		return fmt.Sprintf("%s.filter(t, %s)", list, cond)
	}
	return fmt.Sprintf("filter(%s, %s)", list, strings.ReplaceAll(cond, "t.", "."))
}

func (d dialect) sum(list string) string {
	if d.cel {
		return fmt.Sprintf("sum(%s.map(t, t.amount))", list)
	}
	return fmt.Sprintf("sum(%s, .amount)", list)
}

func (d dialect) size(list string) string {
	if d.cel {
		return fmt.Sprintf("size(%s)", list)
	}
	return fmt.Sprintf("len(%s)", list)
}

func (d dialect) call(name string, args ...string) string {
	if d.cel {
		name = map[string]string{"min": "math.least", "max": "math.greatest", "abs": "math.abs", "round": "math.round", "floor": "math.floor"}[name]
	}
	return name + "(" + strings.Join(args, ", ") + ")"
}

// window is the condition of the reward's window on a transaction t, or
// nothing without a window.
func (s *RewardSpec) window() []string {
	if s.Calendar != NoCalendar {
		from, to := windowVars(s.Calendar, s.Zone)
		return []string{"t.time >= " + from, "t.time < " + to}
	}
	if s.Days == 0 {
		return nil
	}
	return []string{"t.time >= since", "t.time < now"}
}

// Expr is the reward in expr.
func (s *RewardSpec) Expr() string { return s.source(dialect{}) }

// CEL is the reward in CEL.
func (s *RewardSpec) CEL() string { return s.source(dialect{cel: true}) }

func (s *RewardSpec) source(d dialect) string {
	w := s.window()
	n := d.num
	and := func(conds ...string) []string { return append(append([]string(nil), w...), conds...) }
	var raw string
	switch s.Shape {
	case ShapeTieredDeposit:
		raw = d.let("ds", d.filter("deposits", w...),
			fmt.Sprintf("%s == 0 ? %s : %s", d.size("ds"), d.zero(),
				d.let("d", fmt.Sprintf("ds[%s - 1].amount", d.size("ds")),
					fmt.Sprintf("d > %s ? %s : d > %s ? d * %s : d > %s ? %s : %s",
						n(s.A), d.call("min", "d * "+n(s.P1), n(s.Limit)), n(s.B), n(s.P2), n(s.C), n(s.Fix), d.zero()))))
	case ShapeCashback:
		keep := and(fmt.Sprintf("t.game == %q", s.Game), fmt.Sprintf("t.category != %q", s.Category))
		raw = fmt.Sprintf("%s * (%s - %s)", n(s.P1), d.sum(d.filter("bets", keep...)), d.sum(d.filter("wins", keep...)))
	case ShapeDepositCount:
		raw = d.let("ds", d.filter("deposits", w...),
			fmt.Sprintf("%[1]s > %[2]d ? %[3]s * %[4]s : %[1]s > %[5]d ? %[6]s * %[4]s : %[7]s",
				d.size("ds"), s.K1, n(s.P1), d.sum("ds"), s.K2, n(s.P2), d.zero()))
	case ShapeTieredBets:
		raw = d.let("total", d.sum(d.filter("bets", and(fmt.Sprintf("t.category == %q", s.Category))...)),
			fmt.Sprintf("total > %s ? %s * total : total > %s ? %s * total : %s * total", n(s.A), n(s.P1), n(s.B), n(s.P2), n(s.P3)))
	case ShapeVIP:
		raw = fmt.Sprintf("vip_level >= %d && country in [%q, %q, %q] ? %s * %s : %s", s.Level, vipCountries[0], vipCountries[1], vipCountries[2],
			n(s.P1), d.sum(d.filter("bets", and(fmt.Sprintf("t.provider == %q", s.Provider))...)), d.zero())
	case ShapeNetDeposit:
		raw = d.let("ds", d.filter("deposits", w...), d.let("ws", d.filter("withdrawals", w...),
			fmt.Sprintf("%s + %s == 0 ? %s : %s", d.size("ds"), d.size("ws"), d.zero(),
				d.call("min", d.call("max", n(s.P1)+" * "+d.call("abs", d.sum("ds")+" - "+d.sum("ws")), n(s.C)), n(s.Limit)))))
	case ShapeBigWin:
		biggest := "max(map(ws, .amount))"
		if d.cel {
			biggest = "math.greatest(ws.map(t, t.amount))"
		}
		raw = d.let("ws", d.filter("wins", w...),
			fmt.Sprintf("%s > 0 && %s > %s ? %s * %s : %s", d.size("ws"), biggest, n(s.A),
				n(s.P1), d.sum(d.filter("bets", and(fmt.Sprintf("t.game == %q", s.Game))...)), d.zero()))
	case ShapeWelcome:
		cards := `count(ds, .method == "card")`
		if d.cel {
			cards = `ds.exists(t, t.method == "card")`
		} else {
			cards += " >= 1"
		}
		raw = d.let("ds", d.filter("deposits", w...),
			fmt.Sprintf("%s ? %s : %s", cards, d.call("min", n(s.P1)+" * ds[0].amount", n(s.Limit)), d.zero()))
	case ShapePoints:
		count := d.size(d.filter("bets", and("t.amount >= "+n(s.A))...))
		if d.cel {
			raw = fmt.Sprintf("double(%s * %d)", count, s.K1)
		} else {
			raw = fmt.Sprintf("%s * %d", count, s.K1)
		}
	case ShapeAvgBet:
		count := d.size("bs")
		if d.cel {
			count = "double(" + count + ")"
		}
		raw = d.let("bs", d.filter("bets", w...), d.let("total", d.sum("bs"),
			fmt.Sprintf("%s >= %d && total / %s >= %s ? %s * total : %s", d.size("bs"), s.K1, count, n(s.A), n(s.P1), d.zero())))
	case ShapeMinDeposit:
		smallest := "min(map(ds, .amount))"
		if d.cel {
			smallest = "math.least(ds.map(t, t.amount))"
		}
		raw = d.let("ds", d.filter("deposits", w...),
			fmt.Sprintf("%s > 0 && %s >= %s ? %s * %s : %s", d.size("ds"), smallest, n(s.A), n(s.P1), d.sum("ds"), d.zero()))
	case ShapeVIPRate:
		raw = d.let("bs", d.filter("bets", and(fmt.Sprintf("t.category == %q", s.Category))...), d.let("total", d.sum("bs"),
			fmt.Sprintf("(vip_level >= %d ? %s : total > %s ? %s : %s) * total", s.Level, n(s.P1), n(s.A), n(s.P2), n(s.P3))))
	}
	scale := "100"
	if s.Shape == ShapePoints {
		scale = "1"
	}
	if d.cel {
		scale += ".0"
	}
	mode := "round"
	if s.RoundDown {
		mode = "floor" // toward zero: the value is positive here
	}
	out := d.call(mode, "v * "+scale) + " / " + scale
	if !s.Cap.IsZero() {
		out = d.call("min", out, n(s.Cap))
	}
	if !s.Minimum.IsZero() {
		out = d.let("r", out, fmt.Sprintf("r < %s ? %s : r", n(s.Minimum), d.zero()))
	}
	src := d.let("v", raw, fmt.Sprintf("v <= 0 ? %s : %s", d.zero(), out))
	if d.cel {
		src = strings.Replace(src, "v <= 0 ?", "v <= 0.0 ?", 1)
	}
	if s.Days > 0 {
		src = d.let("since", fmt.Sprintf("now - duration(%q)", fmt.Sprintf("%dh", s.Days*24)), src)
	}
	return src
}
