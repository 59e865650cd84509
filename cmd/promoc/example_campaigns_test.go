package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// TestExampleCampaigns runs examples/campaigns end to end, as the README's
// main command does, and checks what its rules promise: budgets never
// exceeded, the welcome campaign suspended when its budget ran out, the
// control group never paid, the Monday cashback on each zone's wall clock
// across the DST changes, the bet batches' qualification limit, inactivity
// of more than 7 days only. Then a replay gives nothing.
func TestExampleCampaigns(t *testing.T) {
	const dir = "../../examples/campaigns"
	db := filepath.Join(t.TempDir(), "campaigns.db")
	args := []string{"run", dir, "--events", dir + "/events.jsonl", "--db", db}
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(args, nil, &stdout, &stderr), stderr.String())
	var outs []engine.Outcome
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var o engine.Outcome
		require.NoError(t, json.Unmarshal(sc.Bytes(), &o), sc.Text())
		outs = append(outs, o)
	}
	require.NotEmpty(t, outs)
	of := func(rule string) []engine.Outcome {
		var got []engine.Outcome
		for _, o := range outs {
			if o.Rule == rule {
				got = append(got, o)
			}
		}
		return got
	}

	ctx := context.Background()
	st, err := sqlite.Open(ctx, db)
	require.NoError(t, err)
	defer st.Close()

	t.Run("budgets are never exceeded, and what is posted is what was issued", func(t *testing.T) {
		issued := map[[2]string]decimal.Decimal{}
		reserved := map[[2]string]decimal.Decimal{}
		for _, o := range outs {
			if o.Amount == nil {
				continue
			}
			k := [2]string{o.Rule, o.Currency}
			switch o.Status {
			case "issued":
				issued[k] = issued[k].Add(o.Amount.Decimal)
			case "waiting":
				reserved[k] = reserved[k].Add(o.Amount.Decimal)
			}
		}
		n := 0
		for _, c := range []string{"first_deposit_bonus", "deposit_boost", "high_roller"} {
			bs, err := st.Budgets(ctx, c)
			require.NoError(t, err)
			require.Len(t, bs, 2, c)
			for _, b := range bs {
				k := [2]string{c, b.Currency}
				assert.True(t, b.Posted.Add(b.Reserved).LessThanOrEqual(b.Limit), "%s %s: posted %s + reserved %s > limit %s", c, b.Currency, b.Posted, b.Reserved, b.Limit)
				assert.True(t, b.Posted.Equal(issued[k]), "%s %s: posted %s, issued %s", c, b.Currency, b.Posted, issued[k])
				assert.True(t, b.Reserved.Equal(reserved[k]), "%s %s: reserved %s, waiting %s", c, b.Currency, b.Reserved, reserved[k])
				n++
			}
		}
		assert.Equal(t, 6, n)
	})

	t.Run("the welcome campaign suspends itself when its budget runs out", func(t *testing.T) {
		c, err := st.Campaign(ctx, "first_deposit_bonus")
		require.NoError(t, err)
		assert.Equal(t, store.Suspended, c.Status)
		assert.Equal(t, engine.ReasonBudgetExhausted, c.Reason)
		var seq []string
		for _, o := range of("first_deposit_bonus") {
			seq = append(seq, o.Status+" "+o.Reason)
		}
		require.GreaterOrEqual(t, len(seq), 7)
		assert.Equal(t, []string{"issued ", "issued ", "issued ", "issued ", "issued ", "skipped budget-exhausted"}, seq[:6])
		for _, s := range seq[6:] {
			assert.Equal(t, "skipped campaign-suspended", s)
		}
	})

	t.Run("the control group is never paid", func(t *testing.T) {
		prog, err := runtime.Compile(os.DirFS(dir))
		require.NoError(t, err)
		split := prog.Rule("deposit_boost").Split
		require.NotNil(t, split)
		arms := map[string]int{}
		for _, o := range of("deposit_boost") {
			arm := split.Arm("deposit_boost", o.Player)
			if arm.Control {
				arms["control"]++
				assert.Equal(t, "skipped", o.Status, o.Player)
				assert.Equal(t, engine.ReasonControlGroup, o.Reason, o.Player)
				assert.Nil(t, o.Amount, o.Player)
				continue
			}
			arms[arm.Name]++
			assert.Equal(t, arm.Name, o.Variant, o.Player)
			assert.Equal(t, arm.Reward, o.Reward, o.Player)
			assert.Equal(t, "issued", o.Status, o.Player)
		}
		assert.Positive(t, arms["control"])
		assert.Positive(t, arms["ten"])
		assert.Positive(t, arms["five"])
	})

	t.Run("the Monday cashback fires at 09:00 on each zone's wall clock, across DST", func(t *testing.T) {
		var got []string
		for _, o := range of("weekly_vip_cashback") {
			got = append(got, o.Player+" "+o.Trigger.Time.UTC().Format(time.RFC3339)+" "+o.Trigger.Firing)
		}
		assert.Equal(t, []string{
			"mt-anna 2026-10-19T07:00:00Z Europe/Malta 2026-10-19T09:00",    // summer time, UTC+2
			"ny-bob 2026-10-19T13:00:00Z America/New_York 2026-10-19T09:00", // UTC-4
			"mt-anna 2026-10-26T08:00:00Z Europe/Malta 2026-10-26T09:00",    // the day after the change, UTC+1
			"ny-bob 2026-10-26T13:00:00Z America/New_York 2026-10-26T09:00", // the US changes a week later
			"mt-anna 2026-11-02T08:00:00Z Europe/Malta 2026-11-02T09:00",    //
			"ny-bob 2026-11-02T14:00:00Z America/New_York 2026-11-02T09:00", // UTC-5
		}, got)
		// The others are not in the segment (vip_level 2): a scheduled run
		// gives them no outcome at all.
	})

	t.Run("every 100 bets, at most 2 rewards per qualification", func(t *testing.T) {
		var got []string
		for _, o := range of("every_100_bets") {
			got = append(got, o.Player+" "+o.Status+" "+o.Reason)
		}
		assert.Equal(t, []string{"mt-dora issued ", "mt-dora issued ", "mt-dora skipped qualification-limit"}, got)
	})

	t.Run("a win-back after more than 7 days, not after exactly 7", func(t *testing.T) {
		var got []string
		for _, o := range of("win_back") {
			got = append(got, o.Player+" "+o.Status+" "+o.Reason+" "+o.Trigger.Time.UTC().Format(time.RFC3339Nano))
		}
		assert.Equal(t, []string{
			"be-max issued  2026-10-21T10:00:00.000000001Z",
			"es-olga issued  2026-10-27T09:40:00.000000001Z",
			// ny-nia logged in on 15 and 22 October at 12:00: exactly 7
			// days, no win-back until 7 days after the second login.
			"ny-nia issued  2026-10-29T12:00:00.000000001Z",
			"be-max skipped rate-limited 2026-11-02T10:00:00.000000001Z",
		}, got)
	})

	t.Run("at most 2 messages a day", func(t *testing.T) {
		var sent, suppressed int
		for _, o := range of("login_rewards") {
			if o.Player != "es-olga" || !strings.HasPrefix(o.At.UTC().Format(time.RFC3339), "2026-10-20") {
				continue
			}
			assert.Equal(t, "issued", o.Status)
			require.Len(t, o.Messages, 1)
			if o.Messages[0].Suppressed {
				suppressed++
			} else {
				sent++
			}
		}
		assert.Equal(t, 2, sent)
		assert.Equal(t, 3, suppressed)
	})

	// Replayed into the same database, the log gives nothing.
	stdout.Reset()
	stderr.Reset()
	require.Equal(t, 0, run(args, nil, &stdout, &stderr), stderr.String())
	assert.Empty(t, stdout.String())
	assert.Contains(t, stderr.String(), "370 events (370 duplicates)")
}
