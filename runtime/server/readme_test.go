package server_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// TestREADMETable keeps the README's table of endpoints true: every route,
// the roles that may call it and its Idempotency-Key, and nothing else.
func TestREADMETable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	got := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 9 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		route := strings.Trim(strings.TrimSpace(cells[1]), "`")
		var roles []string
		for i, r := range server.Roles {
			switch strings.TrimSpace(cells[2+i]) {
			case "✓":
				roles = append(roles, string(r))
			case "", "-":
			default:
				t.Errorf("README: %s: %q in the column of %s: want ✓, - or nothing", route, cells[2+i], r)
			}
		}
		got[route] = strings.Join(roles, " ") + " / " + strings.TrimSpace(cells[6])
	}
	want := map[string]string{}
	h := newHarness(t)
	for _, rt := range h.srv.Routes() {
		var roles []string
		for _, r := range server.Roles {
			if rt.Roles != nil && (r == server.Admin || contains(rt.Roles, r)) {
				roles = append(roles, string(r))
			}
		}
		want[rt.Method+" "+rt.Path] = strings.Join(roles, " ") + " / " + rt.Idempotency()
	}
	assert.Equal(t, want, got)
}

func contains(roles []server.Role, r server.Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}
