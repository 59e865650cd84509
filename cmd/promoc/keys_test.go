package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPrintKeysControlName: a key made before names were checked keeps its
// name, listed escaped in quotes (a tab shown as a space, as before, made
// two names look alike and broke nothing visible).
func TestPrintKeysControlName(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	require.NoError(t, printKeys(&b, []keyJSON{
		{ID: "aaaaaaaaaaaa", Role: "viewer", Name: "a\tb", Created: at},
		{ID: "bbbbbbbbbbbb", Role: "admin", Name: "ops team", Created: at},
		{ID: "cccccccccccc", Role: "viewer", Name: "ops \u202emaet", Created: at},
	}))
	assert.Contains(t, b.String(), `aaaaaaaaaaaa  viewer  "a\tb"`)
	assert.Contains(t, b.String(), "bbbbbbbbbbbb  admin   ops team")
	assert.Contains(t, b.String(), `cccccccccccc  viewer  "ops \u202emaet"`, "a bidirectional control, escaped")
}
