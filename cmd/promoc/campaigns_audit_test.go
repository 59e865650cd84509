package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
)

// TestCampaignsAudit: promoc campaigns budget, suspend and resume record
// each change in the audit log, as the API's campaign endpoints do (actor
// cli, the campaign before and after); they recorded nothing, so a budget
// raised or a campaign stopped from the command line left no trace. A
// change refused (a limit below what is spent) records nothing, and so
// does a resume of an active campaign, which changes nothing.
func TestCampaignsAudit(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	old := now
	now = func() time.Time { return time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { now = old })
	cli := func(args ...string) error {
		root := newRootCmd()
		root.SetArgs(append(args, "--db", db))
		root.SetOut(&bytes.Buffer{})
		root.SetErr(&bytes.Buffer{})
		return root.ExecuteContext(context.Background())
	}
	require.NoError(t, cli("campaigns", "budget", "welcome", "100", "EUR"))
	require.NoError(t, cli("campaigns", "suspend", "welcome", "--reason", "fraud check"))
	require.NoError(t, cli("campaigns", "resume", "welcome"))
	require.NoError(t, cli("campaigns", "resume", "welcome")) // active: no change
	require.NoError(t, cli("campaigns", "budget", "points", "500"))

	st, err := openStore(context.Background(), db, false)
	require.NoError(t, err)
	defer st.Close()
	entries, err := st.AuditLog(context.Background(), 0, 100)
	require.NoError(t, err)
	type change struct{ actor, action, target, before, after string }
	var got []change
	status := func(raw []byte) string {
		var c *server.Campaign
		require.NoError(t, json.Unmarshal(raw, &c))
		if c == nil {
			return "null"
		}
		s := c.Status
		for _, b := range c.Budgets {
			s += " " + b.Limit + " " + b.Currency
		}
		return s
	}
	for _, e := range entries {
		got = append(got, change{e.Actor, e.Action, e.Target, status(e.Before), status(e.After)})
	}
	assert.Equal(t, []change{
		{"cli", "campaign.budget", "welcome/EUR", "active", "active 100.00 EUR"},
		{"cli", "campaign.suspend", "welcome", "active 100.00 EUR", "suspended 100.00 EUR"},
		{"cli", "campaign.resume", "welcome", "suspended 100.00 EUR", "active 100.00 EUR"},
		{"cli", "campaign.budget", "points", "active", "active 500 "},
	}, got)
}

// TestCampaignsResumeRaced: a campaign resumed by another (the API,
// another promoc) after promoc campaigns resume read it suspended is left
// as it is, its since kept and no audit entry recorded: the transaction
// reads its status, as the API's does (the command read it before the
// transaction only, and resumed the active campaign again: its since moved,
// an entry recorded for a change of nothing else).
func TestCampaignsResumeRaced(t *testing.T) {
	ctx := context.Background()
	st, err := openStore(ctx, filepath.Join(t.TempDir(), "c.db"), true)
	require.NoError(t, err)
	defer st.Close()
	t1 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	old := now
	now = func() time.Time { return t1.Add(time.Hour) }
	t.Cleanup(func() { now = old })
	require.NoError(t, st.Suspend(ctx, "welcome", "fraud check", t1))
	c, err := st.Campaign(ctx, "welcome") // what the command read
	require.NoError(t, err)
	require.Equal(t, store.Suspended, c.Status)
	require.NoError(t, st.Resume(ctx, "welcome", t1.Add(time.Minute))) // another, meanwhile

	_, err = resumeCampaign(ctx, st, "welcome")
	require.ErrorIs(t, err, errActiveAlready)
	c, err = st.Campaign(ctx, "welcome")
	require.NoError(t, err)
	assert.Equal(t, store.Active, c.Status)
	assert.True(t, c.Since.Equal(t1.Add(time.Minute)), "its since kept: %s", c.Since)
	entries, err := st.AuditLog(ctx, 0, 100)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing changed, nothing recorded")

	// Suspended again: resumed, with the reason it was suspended for.
	require.NoError(t, st.Suspend(ctx, "welcome", "again", t1.Add(2*time.Minute)))
	reason, err := resumeCampaign(ctx, st, "welcome")
	require.NoError(t, err)
	assert.Equal(t, "again", reason)
	entries, err = st.AuditLog(ctx, 0, 100)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "campaign.resume", entries[0].Action)
}
