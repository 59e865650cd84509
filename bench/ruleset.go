package bench

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Shape is the form of one reward of workload 3, after the rewards that
// operators run: tiers, checks, aggregations with filters, caps, clamps,
// minimums, points.
type Shape int

const (
	ShapeTieredDeposit Shape = iota // tiers on the last deposit, a limit in the top tier
	ShapeCashback                   // a share of the net loss on one game, a category excluded, capped
	ShapeDepositCount               // checks on the number of deposits, a share of their total
	ShapeTieredBets                 // tiers on the bets of one category
	ShapeVIP                        // a check on player properties, a share of one provider's bets, rounded down
	ShapeNetDeposit                 // a clamped share of |deposits - withdrawals|, rounded down
	ShapeBigWin                     // a check on the largest win, a share of one game's bets
	ShapeWelcome                    // a share of the first deposit when one was by card, with a minimum
	ShapePoints                     // points per bet above a stake
	ShapeAvgBet                     // a check on the average and number of bets, a share of their total
	ShapeMinDeposit                 // a check on the smallest deposit, a share of the deposits (W8, W9 only)
	ShapeVIPRate                    // a rate chosen by if/then/else on the VIP level and the bets (W8, W9 only)
	numShapes

	// w3Shapes are the shapes of workload 3, the first ten: its rule set
	// (testdata/rules200.promo) stays as it was measured.
	w3Shapes = ShapeAvgBet + 1
)

var shapeNames = [...]string{"tiered_deposit", "cashback", "deposit_count", "tiered_bets", "vip", "net_deposit", "big_win", "welcome", "points", "avg_bet", "min_deposit", "vip_rate"}

// Calendar is a reward's calendar window, read on a wall clock.
type Calendar int

const (
	NoCalendar Calendar = iota // the window is last Days days, or none
	LastFullDay
	LastFullWeek
	LastFullMonth
	numCalendars
)

var calendarNames = [...]string{"", "day", "week", "month"}

// FixedZone is the zone of the calendar windows written with a fixed zone;
// the others are `in player zone`.
const FixedZone = "Europe/Malta"

// RewardSpec is one reward of workload 3, from which its promo, expr and
// CEL sources and its hand-written Go versions are all made. Amounts are
// in EUR, the players' currency.
type RewardSpec struct {
	Name  string
	Shape Shape
	Days  int // window last Days days; 0: every transaction, or Calendar
	// Calendar, when set, is the window instead of Days: last full day,
	// week or month in Zone, or in the player's zone when Zone is "".
	Calendar  Calendar
	Zone      string
	RoundDown bool // round down to 2 decimals instead of the default, nearest
	// Cap and Minimum are the settings; zero when absent.
	Cap, Minimum decimal.Decimal
	// P1, P2, P3 are percentages as fractions: 0.125 for 12.5%.
	P1, P2, P3 decimal.Decimal
	// A, B, C are thresholds, A > B > C.
	A, B, C decimal.Decimal
	// Fix is a fixed bonus; Limit a branch's upper bound.
	Fix, Limit decimal.Decimal
	// K1, K2 are counts, K1 > K2.
	K1, K2                   int
	Game, Category, Provider string
	Level                    int
}

// Dimensions of the generated players and rules.
var (
	Games      = []string{"Gold Quest", "Book of Sun", "Mega Reels", "Lightning Roulette", "Fire Joker", "Crazy Time"}
	Categories = []string{"slots", "roulette", "live", "table"}
	// gameCategories are the usual categories of Games.
	gameCategories = []string{"slots", "slots", "slots", "roulette", "slots", "live"}
	Providers      = []string{"Spinlab", "Evo", "Acme", "Zenith"}
	Methods        = []string{"card", "wallet", "bank"}
)

// RuleSetSize is the number of rewards of workload 3.
const RuleSetSize = 200

// RuleSpecs returns the n rewards of workload 3: its ten shapes in turn,
// with parameters drawn from a fixed seed.
func RuleSpecs(n int) []RewardSpec { return genSpecs(n, w3Shapes, 5, 200, false) }

// PlayerSpecs returns the n rewards of workloads 8 and 9: all the shapes in
// turn (workload 3's ten, min and if/then/else), each round of shapes with
// its windows: last N days, then last full day, week and month, a third of
// them in "Europe/Malta" and the others in the player's zone.
func PlayerSpecs(n int) []RewardSpec { return genSpecs(n, numShapes, 8, 50, true) }

func genSpecs(n int, shapes Shape, seed1, seed2 uint64, calendars bool) []RewardSpec {
	r := rand.New(rand.NewPCG(seed1, seed2))
	pick := func(xs ...string) decimal.Decimal { return decimal.RequireFromString(xs[r.IntN(len(xs))]) }
	pct := func(xs ...string) decimal.Decimal { return pick(xs...).Shift(-2) }
	str := func(xs []string) string { return xs[r.IntN(len(xs))] }
	days := func() int { return []int{1, 3, 7, 14, 30}[r.IntN(5)] }
	specs := make([]RewardSpec, n)
	for i := range specs {
		s := RewardSpec{Shape: Shape(i % int(shapes)), Days: days()}
		s.Name = fmt.Sprintf("r%03d_%s", i, shapeNames[s.Shape])
		switch s.Shape {
		case ShapeTieredDeposit:
			if r.IntN(3) == 0 {
				s.Days = 0
			}
			s.A, s.B, s.C = pick("500", "1000"), pick("200", "300"), pick("50", "100")
			s.P1, s.Limit = pct("50", "100"), pick("200", "500", "1000")
			s.P2, s.Fix = pct("20", "25", "30", "33"), pick("5", "10", "15")
		case ShapeCashback:
			s.Cap, s.P1 = pick("50", "100", "200"), pct("5", "10", "12.5", "15", "20")
			s.Game, s.Category = str(Games), str(Categories)
		case ShapeDepositCount:
			s.Cap = pick("100", "250", "500")
			s.K2 = 1 + r.IntN(3)
			s.K1 = s.K2 + 1 + r.IntN(3)
			s.P1, s.P2 = pct("10", "15", "20"), pct("2.5", "5", "7.5")
		case ShapeTieredBets:
			s.Category = str(Categories)
			s.A, s.B = pick("1000", "2000"), pick("300", "500")
			s.P1, s.P2, s.P3 = pct("5", "6"), pct("3", "3.5"), pct("1", "0.5")
		case ShapeVIP:
			s.RoundDown = true
			s.Level = 1 + r.IntN(4)
			s.Provider, s.P1 = str(Providers), pct("1", "2", "2.5", "3")
		case ShapeNetDeposit:
			s.RoundDown = true
			s.P1, s.C, s.Limit = pct("10", "15", "25"), pick("5", "10"), pick("100", "200")
		case ShapeBigWin:
			s.Cap, s.A = pick("100", "300"), pick("100", "250", "500")
			s.P1, s.Game = pct("5", "10", "12.5"), str(Games)
		case ShapeWelcome:
			s.Minimum, s.P1, s.Limit = pick("5", "20"), pct("50", "100"), pick("100", "200", "300")
		case ShapePoints:
			s.A, s.K1 = pick("1", "5", "20"), 1+r.IntN(5)
		case ShapeAvgBet:
			s.Cap, s.A, s.K1 = pick("100", "150"), pick("20", "50", "80"), 3+r.IntN(8)
			s.P1 = pct("1", "2.5", "4")
		case ShapeMinDeposit:
			s.Cap, s.A = pick("50", "100"), pick("20", "50", "100")
			s.P1 = pct("2", "5", "7.5")
		case ShapeVIPRate:
			s.Level, s.Category, s.A = 1+r.IntN(4), str(Categories), pick("200", "500")
			s.P1, s.P2, s.P3 = pct("10", "12.5"), pct("5", "7.5"), pct("2", "2.5")
		}
		if calendars {
			if c := Calendar((i / int(shapes)) % int(numCalendars)); c != NoCalendar {
				s.Days, s.Calendar = 0, c
				if i%3 == 0 {
					s.Zone = FixedZone
				}
			}
		}
		specs[i] = s
	}
	return specs
}

// ruleSchema is the schema of workload 3's rule set.
const ruleSchema = `kind bet {
	amount: money
	game: string
	category: string
	provider: string
}

kind win {
	amount: money
	game: string
	category: string
	provider: string
}

kind deposit {
	amount: money
	method: string
}

kind withdrawal {
	amount: money
}

player {
	vip_level: number default 0
	country: string default ""
}
`

// vipCountries are the countries of the VIP rewards.
var vipCountries = []string{"MT", "DE", "SE"}

func pctText(p decimal.Decimal) string { return p.Shift(2).String() + "%" }

func eur(d decimal.Decimal) string { return d.String() + " EUR" }

// eurUSD is an amount with its USD entry, as rule sets for players of
// several currencies write fixed amounts.
func eurUSD(d decimal.Decimal) string {
	return fmt.Sprintf("%s EUR | %s USD", d, d.Mul(decimal.RequireFromString("1.1")))
}

// Promo returns the reward in promo.
func (s *RewardSpec) Promo() string {
	var b strings.Builder
	kind := "amount"
	if s.Shape == ShapePoints {
		kind = "points"
	}
	fmt.Fprintf(&b, "\n// %s\nreward %s: %s {\n", shapeNames[s.Shape], s.Name, kind)
	settings := b.Len()
	if s.Days > 0 {
		fmt.Fprintf(&b, "\twindow last %d days\n", s.Days)
	}
	if s.Calendar != NoCalendar {
		zone := "player zone"
		if s.Zone != "" {
			zone = strconv.Quote(s.Zone)
		}
		fmt.Fprintf(&b, "\twindow last full %s in %s\n", calendarNames[s.Calendar], zone)
	}
	if s.RoundDown {
		b.WriteString("\tround down to 2 decimals\n")
	}
	if !s.Cap.IsZero() {
		fmt.Fprintf(&b, "\tcap %s\n", eurUSD(s.Cap))
	}
	if !s.Minimum.IsZero() {
		fmt.Fprintf(&b, "\tminimum %s\n", eur(s.Minimum))
	}
	if b.Len() > settings {
		b.WriteString("\n")
	}
	line := func(format string, args ...any) { fmt.Fprintf(&b, "\t"+format+"\n", args...) }
	switch s.Shape {
	case ShapeTieredDeposit:
		line("let deposit = last(deposit.amount)")
		line("tiers deposit {")
		line("\tabove %s: give min(%s of deposit, %s)", eurUSD(s.A), pctText(s.P1), eurUSD(s.Limit))
		line("\tabove %s: give %s of deposit", eurUSD(s.B), pctText(s.P2))
		line("\tabove %s: give %s", eurUSD(s.C), eurUSD(s.Fix))
		line("\telse: skip \"deposit of %s or less\"", s.C)
		line("}")
	case ShapeCashback:
		line("let bets = sum(bet.amount where game == %q and category != %q)", s.Game, s.Category)
		line("let wins = sum(win.amount where game == %q and category != %q)", s.Game, s.Category)
		line("give %s of (bets - wins)", pctText(s.P1))
	case ShapeDepositCount:
		line("let deposits = count(deposit)")
		line("let total = sum(deposit.amount)")
		line("check deposits > %d {", s.K1)
		line("\tgive %s of total", pctText(s.P1))
		line("}")
		line("check deposits > %d {", s.K2)
		line("\tgive %s of total", pctText(s.P2))
		line("}")
		line("skip \"%d deposits or fewer\"", s.K2)
	case ShapeTieredBets:
		line("let bets = sum(bet.amount where category == %q)", s.Category)
		line("tiers bets {")
		line("\tabove %s: give %s of bets", eur(s.A), pctText(s.P1))
		line("\tabove %s: give %s of bets", eur(s.B), pctText(s.P2))
		line("\telse: give %s of bets", pctText(s.P3))
		line("}")
	case ShapeVIP:
		line("check player.vip_level >= %d and player.country in [%q, %q, %q] {", s.Level, vipCountries[0], vipCountries[1], vipCountries[2])
		line("\tgive %s of sum(bet.amount where provider == %q)", pctText(s.P1), s.Provider)
		line("}")
		line("skip \"not a VIP\"")
	case ShapeNetDeposit:
		line("let net = sum(deposit.amount) - sum(withdrawal.amount)")
		line("give clamp(%s of abs(net), %s, %s)", pctText(s.P1), eur(s.C), eur(s.Limit))
	case ShapeBigWin:
		line("check max(win.amount) > %s {", eur(s.A))
		line("\tgive %s of sum(bet.amount where game == %q)", pctText(s.P1), s.Game)
		line("}")
		line("skip \"no big win\"")
	case ShapeWelcome:
		line("check count(deposit where method == \"card\") >= 1 {")
		line("\tgive min(%s of first(deposit.amount), %s)", pctText(s.P1), eur(s.Limit))
		line("}")
		line("skip \"no card deposit\"")
	case ShapePoints:
		line("give count(bet where amount >= %s) * %d", eur(s.A), s.K1)
	case ShapeAvgBet:
		line("check avg(bet.amount) >= %s and count(bet) >= %d {", eur(s.A), s.K1)
		line("\tgive %s of sum(bet.amount)", pctText(s.P1))
		line("}")
		line("skip \"small or few bets\"")
	case ShapeMinDeposit:
		line("check min(deposit.amount) >= %s {", eur(s.A))
		line("\tgive %s of sum(deposit.amount)", pctText(s.P1))
		line("}")
		line("skip \"a deposit under %s\"", s.A)
	case ShapeVIPRate:
		line("let bets = sum(bet.amount where category == %q)", s.Category)
		line("let rate = if player.vip_level >= %d then %s else if bets > %s then %s else %s", s.Level, pctText(s.P1), eur(s.A), pctText(s.P2), pctText(s.P3))
		line("give rate of bets")
	}
	b.WriteString("}\n")
	return b.String()
}

// RuleSetPromo is the rule set of workload 3 as one promo file.
func RuleSetPromo(specs []RewardSpec) []byte {
	var b strings.Builder
	b.WriteString("// Workload 3: generated by bench.RuleSetPromo.\n\n")
	b.WriteString(ruleSchema)
	for i := range specs {
		b.WriteString(specs[i].Promo())
	}
	return []byte(b.String())
}
