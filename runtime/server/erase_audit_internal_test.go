package server

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
)

// TestScrubAuditErrors: an approval's audit entry of the erased player
// that does not read as the server writes it fails the erasure with the
// action and the part named; an entry of another player, or of another
// action, is left as it is without being read.
func TestScrubAuditErrors(t *testing.T) {
	scrub := scrubAuditOf("p1", "anon-1")
	for _, c := range []struct {
		name    string
		e       store.AuditEntry
		err     string // "" : no error
		changed bool
	}{
		{name: "approve, before not JSON", err: "approval.approve: before:",
			e: store.AuditEntry{Action: "approval.approve", Target: "r/a/p1/h", Before: []byte(`{`), After: []byte(`{}`)}},
		{name: "reject, after not JSON", err: "approval.reject: after:",
			e: store.AuditEntry{Action: "approval.reject", Target: "r/a/p1/h", Before: []byte(`{"key":"r/a/p1/h"}`), After: []byte(`[`)}},
		{name: "recalculate, after not a list", err: "approval.recalculate: after:",
			e: store.AuditEntry{Action: "approval.recalculate", Target: "approvals", After: []byte(`{}`)}},
		{name: "recalculate, an outcome not JSON", err: "approval.recalculate: after[1]:",
			e: store.AuditEntry{Action: "approval.recalculate", Target: "approvals", After: []byte(`[{"player":"p2"},3]`)}},
		{name: "another player's approval, not read",
			e: store.AuditEntry{Action: "approval.approve", Target: "r/a/p2/h", Before: []byte(`{`), After: []byte(`{`)}},
		{name: "another player's recalculation",
			e: store.AuditEntry{Action: "approval.recalculate", Target: "approvals", After: []byte(`[{"player":"p2"}]`)}},
		{name: "another action, not read",
			e: store.AuditEntry{Action: "campaign.suspend", Target: "r/a/p1/h", Before: []byte(`{`)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, changed, err := scrub(c.e)
			if c.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.changed, changed)
			assert.Equal(t, c.e, got, "left as it is")
		})
	}
}
