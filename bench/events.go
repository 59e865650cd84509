package bench

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime"
)

// Tx is one transaction of a workload 3 player, as the host holds it.
type Tx struct {
	ID                               string
	Kind                             string
	Time                             time.Time
	Amount                           decimal.Decimal
	F                                float64 // the nearest float64 to Amount
	Game, Category, Provider, Method string
}

// Event is one player at the moment an event arrives: properties and
// transactions of the last five weeks, split by kind and sorted by time.
type Event struct {
	Player                            string
	VIPLevel                          int
	Country                           string
	Zone                              string // IANA time zone, for windows in player zone
	Bets, Wins, Deposits, Withdrawals []Tx
}

// PlayerZones are the players' time zones, in turn: Europe/Malta and
// Europe/London change their clocks on 2026-10-25, inside last full month
// (October) at Now; Asia/Tokyo is ahead of UTC, America/Los_Angeles behind
// (at Now, its last full day is the day before Tokyo's).
var PlayerZones = []string{"Europe/Malta", "America/New_York", "Asia/Tokyo", "Europe/London", "America/Los_Angeles", "Pacific/Auckland"}

// Events returns n players of workload 3, each with about txns
// transactions, from a fixed seed. Some lack withdrawals or deposits, as
// real players do.
func Events(n, txns int) []Event {
	r := rand.New(rand.NewPCG(3, 4))
	countries := []string{"MT", "DE", "SE", "FI", "GB"}
	evs := make([]Event, n)
	for p := range evs {
		ev := Event{Player: fmt.Sprintf("p-%d", p), VIPLevel: r.IntN(6), Country: countries[r.IntN(len(countries))],
			Zone: PlayerZones[p%len(PlayerZones)]}
		// Distinct times: seconds back from now, over 35 days.
		seen := map[int]bool{}
		var back []int
		for len(back) < txns {
			if s := r.IntN(35 * 24 * 3600); !seen[s] {
				seen[s] = true
				back = append(back, s)
			}
		}
		slices.Sort(back)
		slices.Reverse(back) // oldest first
		for i, s := range back {
			t := Tx{ID: fmt.Sprintf("t-%d-%d", p, i), Time: Now.Add(-time.Duration(s+1) * time.Second)}
			var cents int64
			switch k := r.IntN(20); {
			case k < 11:
				t.Kind, cents = "bet", int64(50+r.IntN(20000))
			case k < 16:
				t.Kind, cents = "win", int64(r.IntN(60000))
			case k < 19:
				t.Kind, cents = "deposit", int64(1000+r.IntN(150000))
				t.Method = Methods[r.IntN(len(Methods))]
			default:
				t.Kind, cents = "withdrawal", int64(1000+r.IntN(100000))
			}
			if p == 1 && (t.Kind == "withdrawal" || t.Kind == "deposit") {
				continue // a player who never deposits in five weeks
			}
			if t.Kind == "bet" || t.Kind == "win" {
				g := r.IntN(len(Games))
				t.Game, t.Category, t.Provider = Games[g], gameCategories[g], Providers[r.IntN(len(Providers))]
				if r.IntN(10) == 0 {
					t.Category = "table" // a table version of the game
				}
			}
			t.Amount = decimal.New(cents, -2)
			t.F = t.Amount.InexactFloat64()
			switch t.Kind {
			case "bet":
				ev.Bets = append(ev.Bets, t)
			case "win":
				ev.Wins = append(ev.Wins, t)
			case "deposit":
				ev.Deposits = append(ev.Deposits, t)
			default:
				ev.Withdrawals = append(ev.Withdrawals, t)
			}
		}
		evs[p] = ev
	}
	return evs
}

// Input is the event as promoc's input.
func (ev *Event) Input() runtime.Input {
	in := runtime.Input{Now: Now, Player: runtime.Player{ID: ev.Player, Currency: "EUR", Zone: ev.Zone,
		Properties: map[string]any{"vip_level": ev.VIPLevel, "country": ev.Country}}}
	for _, ts := range [][]Tx{ev.Bets, ev.Wins, ev.Deposits, ev.Withdrawals} {
		for _, t := range ts {
			attrs := map[string]any{"amount": t.Amount}
			switch t.Kind {
			case "bet", "win":
				attrs["game"], attrs["category"], attrs["provider"] = t.Game, t.Category, t.Provider
			case "deposit":
				attrs["method"] = t.Method
			}
			in.Transactions = append(in.Transactions, runtime.Transaction{ID: t.ID, Kind: t.Kind, Time: t.Time, Attrs: attrs})
		}
	}
	return in
}
