//go:build ignore

// events.go writes events.jsonl and players.jsonl, the log of this example
// and its players: go run events.go
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

type player struct {
	id, currency, zone string
	vip                int
}

var players = []player{
	{"mt-anna", "EUR", "Europe/Malta", 2}, {"ny-bob", "USD", "America/New_York", 2},
	{"be-carl", "EUR", "Europe/Berlin", 0}, {"mt-dora", "EUR", "Europe/Malta", 1},
	{"es-emil", "EUR", "Europe/Madrid", 0}, {"mt-finn", "EUR", "Europe/Malta", 0},
	{"be-gina", "EUR", "Europe/Berlin", 0}, {"es-hugo", "EUR", "Europe/Madrid", 0},
	{"mt-ines", "EUR", "Europe/Malta", 1}, {"tk-jun", "USD", "Asia/Tokyo", 0},
	{"ch-kim", "USD", "America/Chicago", 1}, {"sp-lia", "USD", "America/Sao_Paulo", 0},
	{"be-max", "EUR", "Europe/Berlin", 0}, {"ny-nia", "USD", "America/New_York", 0},
	{"es-olga", "EUR", "Europe/Madrid", 0},
}

type event struct {
	at   time.Time
	line string
}

var events []event

func at(s string) time.Time { t, _ := time.Parse("2006-01-02 15:04", s); return t }

// add logs an event; attrs are "name":"value" pairs, written as given.
func add(t time.Time, p, kind string, attrs ...string) {
	id := fmt.Sprintf("%s-%d", p, len(events)+1)
	extra := ""
	for i := 0; i < len(attrs); i += 2 {
		extra += fmt.Sprintf(",%q:%q", attrs[i], attrs[i+1])
	}
	events = append(events, event{t, fmt.Sprintf(`{"id":%q,"player":%q,"kind":%q,"time":%q%s}`, id, p, kind, t.Format(time.RFC3339), extra)})
}

func main() {
	var pl strings.Builder
	for i, p := range players {
		t := at("2026-10-14 08:00").Add(time.Duration(i) * 7 * time.Minute)
		props := fmt.Sprintf(`{"vip_level":%d}`, p.vip)
		events = append(events, event{t, fmt.Sprintf(`{"id":"%s-reg","player":%q,"kind":"player","time":%q,"currency":%q,"zone":%q,"properties":%s}`, p.id, p.id, t.Format(time.RFC3339), p.currency, p.zone, props)})
		fmt.Fprintf(&pl, "{\"id\":%q,\"currency\":%q,\"zone\":%q,\"properties\":%s}\n", p.id, p.currency, p.zone, props)
	}
	// First deposits: five welcome bonuses in EUR, then the budget is out.
	for i, d := range []struct{ p, amount string }{{"be-carl", "100"}, {"mt-dora", "150"}, {"es-emil", "200"}, {"mt-finn", "120"},
		{"be-gina", "100"}, {"es-hugo", "300"}, {"mt-ines", "250"}, {"tk-jun", "150"}, {"ch-kim", "200"}, {"sp-lia", "500"}, {"be-max", "40"}} {
		add(at("2026-10-14 12:00").Add(time.Duration(i)*95*time.Minute), d.p, "deposit", "amount", d.amount, "method", "card")
	}
	// 310 bets after a qualifying deposit: rewards at 100 and 200, the
	// qualification's limit at 300.
	add(at("2026-10-15 09:00"), "mt-dora", "bet", "amount", "2", "game", "Gold Quest")
	add(at("2026-10-15 09:30"), "mt-dora", "deposit", "amount", "60", "method", "card")
	for i := range 310 {
		add(at("2026-10-15 10:00").Add(time.Duration(i)*4*time.Minute), "mt-dora", "bet", "amount", "2", "game", "Gold Quest")
	}
	// VIPs' weeks of play around the DST changes, for the weekly cashback.
	for d, day := range []string{"2026-10-16", "2026-10-21", "2026-10-23", "2026-10-28", "2026-10-30"} {
		for _, p := range []string{"mt-anna", "ny-bob"} {
			add(at(day+" 18:00"), p, "bet", "amount", fmt.Sprint(100+50*d), "game", "Roulette")
			add(at(day+" 18:30"), p, "win", "amount", fmt.Sprint(40+10*d), "game", "Roulette")
		}
	}
	// High rollers, waiting for approval.
	add(at("2026-10-22 11:00"), "mt-anna", "deposit", "amount", "1500", "method", "wire")
	add(at("2026-10-29 16:00"), "ny-bob", "deposit", "amount", "3000", "method", "wire")
	// Logins: a win-back after more than 7 days away; exactly 7 days is not
	// more; five logins in a morning get two messages.
	add(at("2026-10-14 10:00"), "be-max", "login")
	add(at("2026-10-26 10:00"), "be-max", "login")
	add(at("2026-10-15 12:00"), "ny-nia", "login")
	add(at("2026-10-22 12:00"), "ny-nia", "login")
	for i := range 5 {
		add(at("2026-10-20 07:00").Add(time.Duration(i)*40*time.Minute), "es-olga", "login")
	}
	add(at("2026-11-03 09:00"), "es-olga", "login")
	sort.SliceStable(events, func(i, j int) bool { return events[i].at.Before(events[j].at) })
	var b strings.Builder
	for _, e := range events {
		b.WriteString(e.line + "\n")
	}
	must(os.WriteFile("events.jsonl", []byte(b.String()), 0o644))
	must(os.WriteFile("players.jsonl", []byte(pl.String()), 0o644))
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
