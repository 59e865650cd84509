package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres"
	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// This file holds what the proofs of proof_test.go share: the two stores,
// the rule sets, a deterministic event log, a feeder that lets time follow
// the log, and the outcome log read back in a comparable form.

// backend is a store driver the proofs run on.
type backend struct {
	name string
	// fresh makes an empty database for one test, dropped when it ends,
	// and gives its address.
	fresh func(t testing.TB) string
	open  func(ctx context.Context, addr string) (store.Store, error)
}

var sqliteBackend = backend{
	name:  "sqlite",
	fresh: func(t testing.TB) string { return filepath.Join(t.TempDir(), "promoc.db") },
	open:  func(ctx context.Context, addr string) (store.Store, error) { return sqlite.Open(ctx, addr) },
}

// The PostgreSQL proofs run against the server of PROMOC_TEST_POSTGRES
// (.ci/run starts one), each in a schema of its own, dropped at the end
// (pgtest). Without it they skip, saying so, except in CI (CI=true), where
// they fail: CI must never skip them.

var postgresBackend = backend{
	name:  "postgres",
	fresh: pgSchema,
	open:  func(ctx context.Context, addr string) (store.Store, error) { return postgres.Open(ctx, addr) },
}

func pgSchema(t testing.TB) string {
	return pgtest.Fresh(t, "the engine's proofs")
}

func backendNamed(name string) (backend, error) {
	switch name {
	case sqliteBackend.name:
		return sqliteBackend, nil
	case postgresBackend.name:
		return postgresBackend, nil
	}
	return backend{}, fmt.Errorf("no backend %q", name)
}

// openAt opens the store at addr and closes it when the test ends.
func (b backend) openAt(t testing.TB, addr string) store.Store {
	t.Helper()
	st, err := b.open(context.Background(), addr)
	require.NoError(t, err, "%s: open %s", b.name, addr)
	t.Cleanup(func() { st.Close() })
	return st
}

// program compiles one rule file given as text.
func program(src string) (*runtime.Program, error) {
	return runtime.Compile(fstest.MapFS{"rules.promo": {Data: []byte(src)}})
}

// proofRules is the rule set of the idempotency, crash and cross-driver
// proofs: a first deposit with a budget for half the players, so that it
// runs out midway; every 10 bets after a qualifying deposit, at most 2
// rewards per qualification; a win-back after more than 7 days without a
// login, at most once per 30 days; a Monday schedule in the player's zone
// for a segment; manual approval of big deposits.
const proofRules = `
kind deposit {
	amount: money
	method: string
}

kind bet {
	amount: money
	game: string
}

kind login {
}

player {
	vip_level: number default 0
	country: string
}

reward welcome_ten: amount {
	give 10 EUR
}

automation first_deposit_bonus {
	trigger on first deposit where amount >= 20 EUR
	budget %d EUR

	give welcome_ten
	on issued send "bonus_issued" with amount, currency
	on skipped send "bonus_skipped" with reason
}

reward batch_cashback: amount {
	window between first transaction and last transaction

	give 10%% of sum(bet.amount)
}

automation every_ten_bets {
	trigger every 10 bet where amount >= 2 EUR
	qualification deposit where amount >= 100 EUR {
		at most 2 rewards
	}

	give batch_cashback
}

reward come_back: points {
	give 50
}

automation win_back {
	trigger inactive 7 days since login
	at most 1 reward per 30 days

	give come_back
}

reward monday_points: points {
	window last 7 days

	give 1 * count(login)
}

automation weekly_logins {
	trigger schedule every Monday 00:00 in player zone
	segment player.vip_level >= 1

	give monday_points
}

reward big_deposit_match: amount {
	give 50%% of sum(deposit.amount where amount >= 1000 EUR)
}

automation big_deposits {
	trigger on deposit where amount >= 1000 EUR
	approval manual

	give big_deposit_match
}
`

// logPlayers is the number of players of an event log of n events.
func logPlayers(n int) int { return max(20, n/50) }

// proofProgram is proofRules for a log of n events: the first-deposit
// budget pays half its players.
func proofProgram(n int) (*runtime.Program, error) {
	return program(fmt.Sprintf(proofRules, 10*logPlayers(n)/2))
}

var zones = []string{"Europe/Malta", "America/New_York", "Asia/Tokyo", "Australia/Sydney", ""}

// logStart is the first instant of the event logs: a Wednesday in
// autumn, so that the logs cross the end of summer time in Europe and
// America and its start in Australia.
var logStart = time.Date(2026, 10, 7, 8, 0, 0, 0, time.UTC)

// logSpan is the time an event log covers.
const logSpan = 70 * 24 * time.Hour

// eventLog is a deterministic log of n events, in time order: each player
// registers (currency, zone, vip level) on its first event, then deposits,
// bets and logs in; players sleep for 10 days in every 30, so that they
// go inactive; a few update their properties; a few deposits are big.
func eventLog(n int) []engine.Event {
	rng := rand.New(rand.NewPCG(20261206, uint64(n)))
	players := logPlayers(n)
	registered := make([]bool, players)
	phase := make([]time.Duration, players)
	for p := range phase {
		phase[p] = time.Duration(rng.Int64N(int64(30 * 24 * time.Hour)))
	}
	asleep := func(p int, at time.Time) bool {
		d := (at.Sub(logStart) + phase[p]) % (30 * 24 * time.Hour)
		return d < 10*24*time.Hour
	}
	step := logSpan / time.Duration(n)
	evs := make([]engine.Event, 0, n)
	at := logStart
	money := func(lo, hi int) json.Number {
		cents := lo*100 + rng.IntN((hi-lo)*100)
		return json.Number(fmt.Sprintf("%d.%02d", cents/100, cents%100))
	}
	for len(evs) < n {
		at = at.Add(time.Duration(rng.Int64N(int64(2 * step))))
		p := rng.IntN(players)
		for asleep(p, at) {
			p = rng.IntN(players)
		}
		id := fmt.Sprintf("p%04d", p)
		eid := fmt.Sprintf("e%06d", len(evs))
		if !registered[p] || rng.IntN(200) == 0 {
			props := map[string]any{"vip_level": json.Number(fmt.Sprint(rng.IntN(3))), "country": "MT"}
			ev := engine.Event{ID: eid, Player: id, Kind: engine.KindPlayer, Time: at, Properties: props}
			if !registered[p] {
				ev.Currency, ev.Zone = "EUR", zones[p%len(zones)]
				registered[p] = true
			}
			evs = append(evs, ev)
			continue
		}
		ev := engine.Event{ID: eid, Player: id, Time: at}
		switch k := rng.IntN(20); {
		case k < 4:
			amount := money(5, 300)
			if rng.IntN(100) == 0 {
				amount = money(1000, 3000)
			}
			ev.Kind, ev.Attrs = "deposit", map[string]any{"amount": amount, "method": "card"}
		case k < 15:
			ev.Kind, ev.Attrs = "bet", map[string]any{"amount": money(1, 40), "game": "g" + fmt.Sprint(rng.IntN(5))}
		default:
			ev.Kind = "login"
		}
		evs = append(evs, ev)
	}
	return evs
}

// logEnd is when a feed of evs ends: 30 days after the last event, so
// that every inactivity and a few more Mondays come to pass.
func logEnd(evs []engine.Event) time.Time {
	return evs[len(evs)-1].Time.Add(30 * 24 * time.Hour)
}

// feed runs events through an engine with time following the log, as
// promoc run does: before an event, whatever is due at or before its time
// (inactivity, schedules) is advanced to it; events between two such
// instants go in calls of at most chunk events. progress, when not nil, is
// called after each call of Handle with the index of the next event.
// Events may be repeated (redelivered): the clock never goes back.
//
// To be exact whatever the size of the calls, a call never holds what
// could make something due before its last event: it spans at most a day
// of the log (inactivity is due 7 days after an event at the soonest), and
// it ends after an event that sets a zone (a zone new to a schedule).
// The first Advance, at the first event, puts the schedules into service.
func feed(ctx context.Context, e *engine.Engine, evs []engine.Event, chunk int, progress func(next int)) error {
	if len(evs) == 0 {
		return nil
	}
	if _, err := e.Advance(ctx, evs[0].Time); err != nil {
		return err
	}
	clock := evs[0].Time
	advanced := 0 // the event before which Advance last ran
	for i := 0; i < len(evs); {
		next, due, err := e.NextDue(ctx, clock)
		if err != nil {
			return err
		}
		if due && !evs[i].Time.Before(next) {
			if advanced == i {
				return fmt.Errorf("NextDue(%s) gives %s, still due after Advance(%s)", clock, next, evs[i].Time)
			}
			if _, err := e.Advance(ctx, evs[i].Time); err != nil {
				return err
			}
			if evs[i].Time.After(clock) {
				clock = evs[i].Time
			}
			advanced = i
			continue
		}
		j := i
		for j < len(evs) && j-i < chunk && (!due || evs[j].Time.Before(next)) && evs[j].Time.Before(evs[i].Time.Add(24*time.Hour)) {
			j++
			if evs[j-1].Kind == engine.KindPlayer && evs[j-1].Zone != "" {
				break
			}
		}
		if _, err := e.Handle(ctx, evs[i:j]); err != nil {
			return err
		}
		for _, ev := range evs[i:j] {
			if ev.Time.After(clock) {
				clock = ev.Time
			}
		}
		i = j
		if progress != nil {
			progress(i)
		}
	}
	return nil
}

// finish advances the clock to the end of the log, firing what is due
// instant by instant as the feed does.
func finishFeed(ctx context.Context, e *engine.Engine, end time.Time) error {
	clock := time.Time{}
	for {
		next, due, err := e.NextDue(ctx, clock)
		if err != nil {
			return err
		}
		if !due || next.After(end) {
			break
		}
		if !clock.IsZero() && !next.After(clock) {
			return fmt.Errorf("NextDue(%s) gives %s, still due after Advance(%s)", clock, next, clock)
		}
		if _, err := e.Advance(ctx, next); err != nil {
			return err
		}
		clock = next
	}
	_, err := e.Advance(ctx, end)
	return err
}

// logged is one outcome of the store's log in a comparable form: the key,
// status, reason, amount and the engine's record without its sequence
// number.
type logged struct {
	Key, Status, Reason, Amount string
	Body                        string
}

func (l logged) String() string {
	return fmt.Sprintf("%s %s/%s %s", l.Key, l.Status, l.Reason, l.Amount)
}

// outcomeLog reads a store's whole outcome log, sorted by key, then by the
// rest: the order of commits may differ, the set may not.
func outcomeLog(t testing.TB, st store.Store) []logged {
	t.Helper()
	ctx := context.Background()
	var all []logged
	after := int64(0)
	for {
		page, err := st.Outcomes(ctx, after, 5000)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		for _, o := range page {
			var body map[string]any
			require.NoError(t, json.Unmarshal(o.Body, &body), "outcome %d", o.Seq)
			delete(body, "seq")
			b, err := json.Marshal(body)
			require.NoError(t, err)
			all = append(all, logged{Key: engine.KeyString(o.Key), Status: string(o.Status), Reason: o.Reason,
				Amount: o.Amount.String() + " " + o.Currency, Body: string(b)})
			after = o.Seq
		}
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		if a.Status != b.Status {
			return a.Status < b.Status
		}
		return a.Body < b.Body
	})
	return all
}

// summary counts outcomes by rule and status/reason, for the logs.
func summary(all []logged) string {
	n := map[string]int{}
	for _, l := range all {
		rule, _, _ := strings.Cut(l.Key, "/")
		s := rule + " " + l.Status
		if l.Reason != "" {
			s += "/" + l.Reason
		}
		n[s]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s %d; ", k, n[k])
	}
	return strings.TrimSuffix(b.String(), "; ")
}
