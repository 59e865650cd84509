package runtime_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"os"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/vm/schedule"
)

func compileRules(t testing.TB) *runtime.Program {
	t.Helper()
	prog, err := runtime.Compile(os.DirFS("testdata/rules"))
	require.NoError(t, err)
	return prog
}

// public copies the exported fields of a rule, with the budget as text and
// the schedule left out (TestRuleSchedules compares it), for comparison.
func public(r *runtime.Rule) runtime.Rule {
	out := runtime.Rule{
		Name: r.Name, Campaign: r.Campaign, File: r.File, Pos: r.Pos, Trigger: r.Trigger,
		HasSegment: r.HasSegment, Qualification: r.Qualification, RewardLimit: r.RewardLimit,
		MessageLimit: r.MessageLimit, Approval: r.Approval, Give: r.Give, Split: r.Split, Messages: r.Messages,
	}
	out.Trigger.Schedule = nil
	if r.Entrance != nil {
		e := *r.Entrance
		e.Schedule = nil
		out.Entrance = &e
	}
	for _, b := range r.Budget {
		out.Budget = append(out.Budget, runtime.BudgetLimit{Currency: b.Currency, Limit: decimal.RequireFromString(b.Limit.String())})
	}
	return out
}

func TestRuleDescriptors(t *testing.T) {
	prog := compileRules(t)
	const file = "rules.promo"
	tests := []runtime.Rule{
		{
			Name: "deposit_bonus", File: file, Pos: lang.Pos{Line: 58, Col: 12},
			Trigger:       runtime.RuleEvent{Kind: runtime.EventOn, Type: "deposit"},
			HasSegment:    true,
			Qualification: &runtime.Qualification{Type: "deposit", Limit: 3},
			RewardLimit:   &runtime.RateLimit{Count: 5, Per: 7 * 24 * time.Hour, Days: true},
			MessageLimit:  &runtime.RateLimit{Count: 2, Per: 24 * time.Hour, Days: true},
			Budget: []runtime.BudgetLimit{
				{Currency: "EUR", Limit: decimal.RequireFromString("10000")},
				{Currency: "USD", Limit: decimal.RequireFromString("11000")},
			},
			Approval: "manual",
			Give:     "weekly_cashback",
			Messages: []runtime.Message{
				{On: "calculated", Name: "bonus_calculated", With: []string{"amount", "currency"}},
				{On: "issued", Name: "bonus_issued", With: []string{"amount"}},
			},
		},
		{
			Name: "first_deposit", File: file, Pos: lang.Pos{Line: 74, Col: 12},
			Trigger: runtime.RuleEvent{Kind: runtime.EventFirst, Type: "deposit"},
			Give:    "welcome",
		},
		{
			Name: "every_100", File: file, Pos: lang.Pos{Line: 80, Col: 12},
			Trigger: runtime.RuleEvent{Kind: runtime.EventEvery, Type: "bet", Count: 100},
			Give:    "batch",
		},
		{
			Name: "win_back", File: file, Pos: lang.Pos{Line: 86, Col: 12},
			Trigger: runtime.RuleEvent{Kind: runtime.EventInactive, Length: 14 * 24 * time.Hour, Since: "login"},
			Budget:  []runtime.BudgetLimit{{Limit: decimal.RequireFromString("1000")}},
			Give:    "come_back",
		},
		{
			Name: "any_inactive", File: file, Pos: lang.Pos{Line: 93, Col: 12},
			Trigger:  runtime.RuleEvent{Kind: runtime.EventInactive, Length: 36 * time.Hour},
			Approval: "auto",
			Give:     "month_points",
		},
		{
			Name: "weekly_cron", File: file, Pos: lang.Pos{Line: 100, Col: 12},
			Trigger: runtime.RuleEvent{Kind: runtime.EventSchedule, Zone: "Europe/Malta"},
			Give:    "month_points",
		},
		{
			Name: "weekend", Campaign: true, File: file, Pos: lang.Pos{Line: 106, Col: 10},
			Entrance: &runtime.RuleEvent{Kind: runtime.EventOn, Type: "login"},
			Trigger:  runtime.RuleEvent{Kind: runtime.EventSchedule, PlayerZone: true},
			Split: &runtime.Split{Seed: "autumn-2026", Arms: []runtime.SplitArm{
				{Name: "generous", Share: 4500, Reward: "ten"},
				{Name: "modest", Share: 4550, Reward: "five"},
				{Control: true, Share: 950},
			}},
		},
		{
			Name: "unseeded", Campaign: true, File: file, Pos: lang.Pos{Line: 117, Col: 10},
			Trigger: runtime.RuleEvent{Kind: runtime.EventSchedule},
			Split: &runtime.Split{Arms: []runtime.SplitArm{
				{Control: true, Share: 1000},
				{Name: "only", Share: 9000, Reward: "five"},
			}},
		},
	}
	rules := prog.Rules()
	require.Len(t, rules, len(tests))
	for i, want := range tests {
		t.Run(want.Name, func(t *testing.T) {
			got := rules[i]
			require.Same(t, got, prog.Rule(want.Name))
			pos := got.Pos
			got2 := public(got)
			want.Pos.Offset = pos.Offset // the line and column say where
			assert.Equal(t, want, got2)
		})
	}
	assert.Nil(t, prog.Rule("weekly_cashback"), "a reward is not a rule")
	assert.Nil(t, prog.Rule("nope"))
}

// TestRuleSchedules: the cron form parses as vm/schedule does, and the
// words form fires as its cron expression.
func TestRuleSchedules(t *testing.T) {
	prog := compileRules(t)
	tests := []struct {
		rule     string
		entrance bool
		cron     string // the cron expression the schedule fires as
		text     string // its String
	}{
		{rule: "weekly_cron", cron: "0 0 * * 1", text: "0 0 * * 1"},
		{rule: "weekend", cron: "0 0 * * 1", text: "every Monday 00:00"},
		{rule: "unseeded", cron: "30 9 * * 1-5", text: "every weekday 09:30"},
	}
	malta, err := time.LoadLocation("Europe/Malta")
	require.NoError(t, err)
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			got := prog.Rule(tc.rule).Trigger.Schedule
			require.NotNil(t, got)
			assert.Equal(t, tc.text, got.String())
			want, err := schedule.Parse(tc.cron)
			require.NoError(t, err)
			at := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC) // across the DST change of 2026-03-29
			for range 20 {
				g, ok1 := got.Next(at, malta)
				w, ok2 := want.Next(at, malta)
				require.True(t, ok1 && ok2)
				require.Equal(t, w, g)
				at = g.At
			}
		})
	}
	assert.Nil(t, prog.Rule("deposit_bonus").Trigger.Schedule, "only schedules have one")
}

// armOf computes the group of a split independently of the runtime: the
// first 8 bytes of SHA-256(key NUL player) as an unsigned number, mod 10000.
func armOf(key, player string, shares []int) int {
	sum := sha256.Sum256([]byte(key + "\x00" + player))
	n := new(big.Int).SetBytes(sum[:8])
	bucket := int(n.Mod(n, big.NewInt(10000)).Int64())
	for i, s := range shares {
		if bucket < s {
			return i
		}
		bucket -= s
	}
	return -1
}

func TestSplitArm(t *testing.T) {
	prog := compileRules(t)
	split := prog.Rule("weekend").Split
	shares := []int{4500, 4550, 950}

	// Golden: a few players whose group is computed here by other means.
	for _, player := range []string{"p-1", "p-2", "alice", "bob", "", "ü-42"} {
		want := armOf("autumn-2026", player, shares)
		got := split.Arm("weekend", player)
		require.NotNil(t, got)
		assert.Same(t, &split.Arms[want], got, "player %q", player)
	}
	// Golden groups, computed outside Go (Python's hashlib) and written
	// down: the bucket of each player, and so its group of 45% | 45.5% |
	// 9.5%. p-17 lands just past the second boundary, 9050.
	for _, g := range []struct {
		player string
		bucket uint64
		arm    string
	}{
		{"p-1", 5205, "modest"},
		{"p-2", 621, "generous"},
		{"alice", 123, "generous"},
		{"bob", 8420, "modest"},
		{"p-4", 9577, ""},
		{"p-17", 9063, ""},
	} {
		sum := sha256.Sum256([]byte("autumn-2026\x00" + g.player))
		assert.Equal(t, g.bucket, binary.BigEndian.Uint64(sum[:8])%10000, g.player)
		got := split.Arm("weekend", g.player)
		require.NotNil(t, got)
		assert.Equal(t, g.arm, got.Name, g.player)
		assert.Equal(t, g.arm == "", got.Control, g.player)
	}

	// Distribution: 10,000 players land within 2 points of each share, the
	// same player always in the same group.
	counts := make([]int, len(split.Arms))
	for i := range 10000 {
		player := fmt.Sprintf("player-%d", i)
		a := split.Arm("weekend", player)
		require.NotNil(t, a)
		require.Same(t, a, split.Arm("weekend", player))
		for j := range split.Arms {
			if a == &split.Arms[j] {
				counts[j]++
			}
		}
	}
	for j, s := range shares {
		assert.InDelta(t, s, counts[j], 200, "arm %d: %d players for a share of %d", j, counts[j], s)
	}

	// The seed, not the campaign's name, is hashed; without a seed the name is.
	assert.Same(t, split.Arm("weekend", "p-7"), split.Arm("another", "p-7"))
	unseeded := prog.Rule("unseeded").Split
	moved := 0
	for i := range 1000 {
		player := fmt.Sprintf("player-%d", i)
		got := unseeded.Arm("unseeded", player)
		assert.Same(t, &unseeded.Arms[armOf("unseeded", player, []int{1000, 9000})], got)
		if got != unseeded.Arm("renamed", player) {
			moved++
		}
	}
	// With a 10/90 split, about 18% of the players change group with the key.
	assert.Greater(t, moved, 100)

	// Another seed assigns otherwise.
	other := &runtime.Split{Seed: "winter", Arms: split.Arms}
	differ := 0
	for i := range 1000 {
		player := fmt.Sprintf("player-%d", i)
		if other.Arm("weekend", player) != split.Arm("weekend", player) {
			differ++
		}
	}
	assert.Greater(t, differ, 300)
	var none *runtime.Split
	assert.Nil(t, none.Arm("weekend", "p-1"))
}

func TestHolds(t *testing.T) {
	prog := compileRules(t)
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	player := func(props map[string]any) runtime.Player {
		return runtime.Player{ID: "p-1", Currency: "EUR", Zone: "Europe/Malta", Properties: props}
	}
	vip := map[string]any{"vip_level": 2, "country": "MT"}
	event := func(kind string, attrs map[string]any) []runtime.Transaction {
		return []runtime.Transaction{{ID: "e-1", Kind: kind, Time: now.Add(-time.Minute), Attrs: attrs}}
	}
	deposit := func(amount, method string) []runtime.Transaction {
		return event("deposit", map[string]any{"amount": amount, "method": method})
	}
	tests := []struct {
		name   string
		rule   string
		cond   runtime.Cond
		player runtime.Player
		txns   []runtime.Transaction
		want   bool
		reason string // of the CondError; "" for none
	}{
		{name: "trigger holds", rule: "deposit_bonus", cond: runtime.CondTrigger, player: player(vip), txns: deposit("25", "bank"), want: true},
		{name: "trigger amount too small", rule: "deposit_bonus", cond: runtime.CondTrigger, player: player(vip), txns: deposit("19.99", "bank")},
		{name: "trigger by card", rule: "deposit_bonus", cond: runtime.CondTrigger, player: player(vip), txns: deposit("25", "card")},
		{name: "trigger of another kind", rule: "deposit_bonus", cond: runtime.CondTrigger, player: player(vip), txns: event("login", nil)},
		{name: "trigger without event", rule: "deposit_bonus", cond: runtime.CondTrigger, player: player(vip)},
		{name: "trigger without where", rule: "first_deposit", cond: runtime.CondTrigger, player: player(nil), txns: deposit("1", "card"), want: true},
		{name: "trigger without where, other kind", rule: "first_deposit", cond: runtime.CondTrigger, player: player(nil), txns: event("bet", map[string]any{"amount": "1", "game": "x"})},
		{name: "every where", rule: "every_100", cond: runtime.CondTrigger, player: player(nil), txns: event("bet", map[string]any{"amount": "1", "game": "Gold Quest"}), want: true},
		{name: "every where fails", rule: "every_100", cond: runtime.CondTrigger, player: player(nil), txns: event("bet", map[string]any{"amount": "1", "game": "Other"})},
		{name: "inactivity has no condition", rule: "win_back", cond: runtime.CondTrigger, player: player(nil), want: true},
		{name: "schedule has no condition", rule: "weekly_cron", cond: runtime.CondTrigger, player: player(nil), want: true},
		{name: "no segment", rule: "first_deposit", cond: runtime.CondSegment, player: player(nil), want: true},
		{name: "no qualification", rule: "first_deposit", cond: runtime.CondQualification, player: player(nil), want: true},
		{name: "no entrance", rule: "deposit_bonus", cond: runtime.CondEntrance, player: player(vip), want: true},
		{name: "segment holds", rule: "deposit_bonus", cond: runtime.CondSegment, player: player(vip), want: true},
		{name: "segment low level", rule: "deposit_bonus", cond: runtime.CondSegment, player: player(map[string]any{"vip_level": 0})},
		{name: "segment country", rule: "deposit_bonus", cond: runtime.CondSegment, player: player(map[string]any{"vip_level": 3, "country": "US"})},
		{name: "segment default country", rule: "deposit_bonus", cond: runtime.CondSegment, player: player(map[string]any{"vip_level": 3}), want: true},
		{name: "segment missing property", rule: "deposit_bonus", cond: runtime.CondSegment, player: player(map[string]any{"country": "MT"}), reason: "missing-property"},
		{name: "qualification holds", rule: "deposit_bonus", cond: runtime.CondQualification, player: player(vip), txns: deposit("100", "card"), want: true},
		{name: "qualification too small", rule: "deposit_bonus", cond: runtime.CondQualification, player: player(vip), txns: deposit("99.99", "card")},
		{name: "entrance holds", rule: "weekend", cond: runtime.CondEntrance, player: player(vip), txns: event("login", nil), want: true},
		{name: "entrance level", rule: "weekend", cond: runtime.CondEntrance, player: player(map[string]any{"vip_level": 1}), txns: event("login", nil)},
		{name: "entrance missing property", rule: "weekend", cond: runtime.CondEntrance, player: player(nil), txns: event("login", nil), reason: "missing-property"},
		{name: "entrance other kind skips the where", rule: "weekend", cond: runtime.CondEntrance, player: player(nil), txns: deposit("5", "card")},
		{name: "trigger currency mismatch", rule: "deposit_bonus", cond: runtime.CondTrigger, player: runtime.Player{ID: "p", Currency: "GBP", Properties: vip}, txns: deposit("25", "bank"), reason: "missing-currency-value"},
		{name: "invalid input", rule: "deposit_bonus", cond: runtime.CondTrigger, player: player(vip), txns: event("deposit", map[string]any{"amount": "many"}), reason: "invalid-input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := prog.Prepare(runtime.Input{Now: now, Player: tc.player, Transactions: tc.txns})
			got, err := prog.Holds(context.Background(), tc.rule, tc.cond, in)
			if tc.reason == "" {
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				return
			}
			assert.False(t, got)
			var ce *runtime.CondError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.reason, ce.Reason, "%v", err)
			assert.Equal(t, tc.rule, ce.Rule)
			assert.Equal(t, tc.cond, ce.Cond)
			if tc.reason != "invalid-input" {
				assert.Equal(t, "rules.promo", ce.File)
				assert.Positive(t, ce.Pos.Line)
				assert.Regexp(t, `^rules\.promo:\d+:\d+: rule `+tc.rule+`: `, err.Error())
			}
		})
	}
}

func TestHoldsMisuse(t *testing.T) {
	prog := compileRules(t)
	in := prog.Prepare(runtime.Input{Now: time.Now(), Player: runtime.Player{ID: "p", Currency: "EUR"}})
	_, err := prog.Holds(context.Background(), "nope", runtime.CondTrigger, in)
	var e *runtime.Error
	assert.ErrorAs(t, err, &e)
	other := compileRules(t)
	_, err = other.Holds(context.Background(), "deposit_bonus", runtime.CondSegment, in)
	assert.ErrorAs(t, err, &e)
	_, err = prog.Holds(context.Background(), "deposit_bonus", runtime.Cond(9), in)
	assert.ErrorAs(t, err, &e)
	var ce *runtime.CondError
	assert.False(t, errors.As(err, &ce))

	// A cancelled evaluation is a CondError, cancelled, not a false that
	// looks like an answer.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ok, err := prog.Holds(ctx, "deposit_bonus", runtime.CondSegment, in)
	assert.False(t, ok)
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "cancelled", ce.Reason)
}

// TestHiddenConditions: the conditions are not rewards of the program.
func TestHiddenConditions(t *testing.T) {
	prog := compileRules(t)
	assert.Equal(t, []string{"weekly_cashback", "month_points", "batch", "welcome", "come_back", "ten", "five"}, prog.Rewards())
	for _, r := range prog.Rewards() {
		assert.NotContains(t, r, " ")
	}
	_, err := prog.Reward("rule deposit_bonus trigger")
	assert.Error(t, err)
}

func TestLookback(t *testing.T) {
	const schema = `kind bet { amount: money }
kind login {}
`
	day := 24 * time.Hour
	tests := []struct {
		name    string
		src     string
		want    time.Duration
		bounded bool
	}{
		{name: "no rules", src: `reward r: points { window last 30 days give count(login) }`, bounded: true},
		{name: "reads nothing", src: `reward r: points { give 10 }
automation a { trigger on login give r }`, bounded: true},
		{name: "last hours", src: `reward r: points { window last 36 hours give count(login) }
automation a { trigger on login give r }`, want: 36 * time.Hour, bounded: true},
		{name: "longest wins", src: `reward r: points { window last 36 hours give count(login) }
reward s: points { window last full week give count(login) }
automation a { trigger on login give r }
automation b { trigger on login give s }`, want: 15 * day, bounded: true},
		{name: "month", src: `reward r: points { window last full month in player zone give count(login) }
automation a { trigger on login give r }`, want: 63 * day, bounded: true},
		{name: "weekend and day", src: `reward r: points { window last weekend give count(login) }
reward s: points { window last full day give count(login) }
automation a { trigger on login give s }
campaign b { trigger on login split { variant x 50%: give r control 50% } }`, want: 10 * day, bounded: true},
		{name: "no window", src: `reward r: points { give count(login) }
automation a { trigger on login give r }`},
		{name: "anchors", src: `reward r: points { window between first transaction and last transaction give count(login) }
automation a { trigger every 3 login give r }`},
		{name: "since entrance", src: `reward r: points { window since entrance give count(login) }
campaign c { entrance on login trigger on login give r }`},
		{name: "qualification to a date", src: `reward r: points { window from qualification to 2026-12-01 give count(login) }
automation a { trigger on login qualification login give r }`},
		{name: "fixed", src: `reward r: points { window from 2026-11-01 to 2026-11-08 give count(login) }
automation a { trigger on login give r }`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prog, err := runtime.CompileSources([]runtime.Source{{Name: "r.promo", Text: []byte(schema + tc.src)}})
			require.NoError(t, err)
			d, bounded := prog.Lookback()
			assert.Equal(t, tc.bounded, bounded)
			assert.Equal(t, tc.want, d)
		})
	}
}

// TestHoldsBuilder: a Builder stores only the columns the program reads;
// those a condition alone reads (deposit.method, read by the trigger of
// deposit_bonus only) are among them.
func TestHoldsBuilder(t *testing.T) {
	prog := compileRules(t)
	deposit, err := prog.Kind("deposit")
	require.NoError(t, err)
	amount, err := deposit.Attr("amount")
	require.NoError(t, err)
	method, err := deposit.Attr("method")
	require.NoError(t, err)
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		method string
		want   bool
	}{{"bank", true}, {"card", false}} {
		b := prog.NewBuilder()
		require.NoError(t, b.SetNow(now))
		require.NoError(t, b.SetPlayer(runtime.Player{ID: "p-1", Currency: "EUR"}))
		b.Begin(deposit, "e-1", now.Add(-time.Minute), "")
		b.SetDecimal(amount, decimal.NewFromInt(50))
		b.SetString(method, tc.method)
		require.NoError(t, b.Commit())
		got, err := prog.Holds(context.Background(), "deposit_bonus", runtime.CondTrigger, b.Prepared())
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, tc.method)
	}
}

// BenchmarkHolds measures one condition of each sort on a prepared event,
// and the assignment of a split group.
func BenchmarkHolds(b *testing.B) {
	prog := compileRules(b)
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	in := prog.Prepare(runtime.Input{
		Now:          now,
		Player:       runtime.Player{ID: "p-1", Currency: "EUR", Properties: map[string]any{"vip_level": 2, "country": "MT"}},
		Transactions: []runtime.Transaction{{ID: "e-1", Kind: "deposit", Time: now, Attrs: map[string]any{"amount": "25", "method": "bank"}}},
	})
	ctx := context.Background()
	for _, c := range []runtime.Cond{runtime.CondTrigger, runtime.CondSegment} {
		b.Run(c.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := prog.Holds(ctx, "deposit_bonus", c, in); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
	b.Run("arm", func(b *testing.B) {
		split := prog.Rule("weekend").Split
		b.ReportAllocs()
		for b.Loop() {
			if split.Arm("weekend", "player-123456") == nil {
				b.Fatal("no arm")
			}
		}
	})
}

// TestKindHasMoney: a kind has money when it declares a money attribute.
func TestKindHasMoney(t *testing.T) {
	prog := compileRules(t)
	for kind, want := range map[string]bool{"bet": true, "deposit": true, "login": false} {
		k, err := prog.Kind(kind)
		require.NoError(t, err)
		assert.Equal(t, want, k.HasMoney(), kind)
	}
	assert.False(t, runtime.Kind{}.HasMoney(), "a Kind not from a Program")
}
