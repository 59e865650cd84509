package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKeysRevokeAudit: promoc keys revoke records the key's state before
// and after in the audit log (it recorded null and null), and revoking a
// revoked key changes nothing: it says when the key was revoked, keeps
// that time, and records no second entry (it said "revoked key" again and
// recorded one).
func TestKeysRevokeAudit(t *testing.T) {
	db := filepath.Join(t.TempDir(), "keys.db")
	t1 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	clock := t1
	old := now
	now = func() time.Time { return clock }
	t.Cleanup(func() { now = old })
	cli := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		root := newRootCmd()
		root.SetArgs(append(args, "--db", db))
		root.SetOut(&out)
		root.SetErr(&errb)
		err := root.ExecuteContext(context.Background())
		return out.String(), errb.String(), err
	}
	_, stderr, err := cli("keys", "create", "--role", "viewer", "--name", "ops")
	require.NoError(t, err)
	id := strings.Fields(strings.TrimPrefix(stderr, "promoc: key "))[0]

	clock = t1.Add(time.Hour)
	out, _, err := cli("keys", "revoke", id)
	require.NoError(t, err)
	assert.Equal(t, "revoked key "+id+"\n", out)

	clock = t1.Add(2 * time.Hour)
	out, _, err = cli("keys", "revoke", id)
	require.NoError(t, err)
	assert.Equal(t, "key "+id+" was revoked already, at 2026-12-06T11:00:00Z\n", out)

	st, err := openStore(context.Background(), db, false)
	require.NoError(t, err)
	defer st.Close()
	entries, err := st.AuditLog(context.Background(), 0, 100)
	require.NoError(t, err)
	var revokes []string
	for _, e := range entries {
		if e.Action == "key.revoke" {
			revokes = append(revokes, string(e.Before)+" -> "+string(e.After))
		}
	}
	require.Len(t, revokes, 1, "one revocation, one entry")
	var before, after keyJSON
	e := entries[len(entries)-1]
	require.NoError(t, json.Unmarshal(e.Before, &before))
	require.NoError(t, json.Unmarshal(e.After, &after))
	assert.Equal(t, id, before.ID)
	assert.Equal(t, "viewer", before.Role)
	assert.Nil(t, before.Revoked)
	if assert.NotNil(t, after.Revoked) {
		assert.Equal(t, t1.Add(time.Hour), after.Revoked.UTC())
	}
	keys, err := st.Keys(context.Background())
	require.NoError(t, err)
	require.Len(t, keys, 1)
	assert.Equal(t, t1.Add(time.Hour), keys[0].Revoked.UTC(), "the first revocation's time is kept")
}
