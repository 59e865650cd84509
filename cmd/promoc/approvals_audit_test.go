package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestApprovalsAudit: promoc approvals approve, reject and recalculate
// record each decision in the audit log, as POST /v1/approvals/approve,
// reject and recalculate do (actor cli); they recorded nothing, so who
// paid a manual bonus from the command line left no trace. A refused
// decision (a key decided already) records nothing.
func TestApprovalsAudit(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	write := func(name, text string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	rules := `currencies EUR
kind deposit { amount: money }
reward match: amount { give 20% of last(deposit.amount) }
automation hr {
	trigger on deposit
	approval manual
	budget 1000 EUR
	give match
}
`
	write("rules/r.promo", rules)
	write("rules2/r.promo", `currencies EUR
kind deposit { amount: money }
reward match: amount { give 30% of last(deposit.amount) }
automation hr {
	trigger on deposit
	approval manual
	budget 1000 EUR
	give match
}
`)
	write("log.jsonl", `{"id":"d1","player":"p1","kind":"deposit","time":"2026-12-06T09:00:00Z","amount":"100.00","currency":"EUR"}
{"id":"d2","player":"p2","kind":"deposit","time":"2026-12-06T09:01:00Z","amount":"100.00","currency":"EUR"}
{"id":"d3","player":"p3","kind":"deposit","time":"2026-12-06T09:02:00Z","amount":"100.00","currency":"EUR"}
`)
	old := now
	now = func() time.Time { return time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { now = old })
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		root := newRootCmd()
		root.SetArgs(append(args, "--db", db))
		root.SetOut(&out)
		root.SetErr(&bytes.Buffer{})
		err := root.ExecuteContext(context.Background())
		return out.String(), err
	}
	_, err := cli("run", filepath.Join(dir, "rules"), "--events", filepath.Join(dir, "log.jsonl"))
	require.NoError(t, err)

	st, err := openStore(context.Background(), db, false)
	require.NoError(t, err)
	ws, err := st.Waiting(context.Background(), 0, 10)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	require.Len(t, ws, 3)
	k1, k2 := ws[0].Key.String(), ws[1].Key.String()

	_, err = cli("approvals", "approve", k1)
	require.NoError(t, err)
	_, err = cli("approvals", "approve", k1) // decided already: refused
	require.Error(t, err)
	_, err = cli("approvals", "reject", k2, "--reason", "duplicate account")
	require.NoError(t, err)
	_, err = cli("approvals", "recalculate", filepath.Join(dir, "rules2"))
	require.NoError(t, err)

	st, err = openStore(context.Background(), db, false)
	require.NoError(t, err)
	defer st.Close()
	entries, err := st.AuditLog(context.Background(), 0, 100)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Actor+" "+e.Action+" "+e.Target)
	}
	assert.Equal(t, []string{
		"cli approval.approve " + k1,
		"cli approval.reject " + k2,
		"cli approval.recalculate approvals",
	}, got)
	if len(entries) == 3 {
		assert.JSONEq(t, `{"key":"`+k1+`","status":"waiting"}`, string(entries[0].Before))
		assert.Contains(t, string(entries[0].After), `"status":"issued"`)
		assert.Contains(t, string(entries[1].After), `"reason":"duplicate account"`)
		assert.Contains(t, string(entries[2].After), `"amount":"30.00"`)
	}
}
