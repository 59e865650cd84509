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
