package lsp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// raw writes bytes to the server as they are.
func (c *client) raw(s string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	fmt.Fprint(c.w, s)
}

func rpcFrame(body string) string {
	return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
}

// TestMalformedMessages sends frames that are not JSON-RPC messages: the
// server answers each with an error, its id null unless the message had a
// valid one, and goes on.
func TestMalformedMessages(t *testing.T) {
	c := newClient(t, workspace)
	for _, tc := range []struct {
		name, frame string
		code        int
		id          string
	}{
		{"invalid JSON", rpcFrame(`{bad}`), -32700, "null"},
		{"a batch", rpcFrame(`[]`), -32600, "null"},
		{"a batch of one", rpcFrame(`[{"jsonrpc":"2.0","id":1,"method":"shutdown"}]`), -32600, "null"},
		{"null", rpcFrame(`null`), -32600, "null"},
		{"an object id", rpcFrame(`{"jsonrpc":"2.0","id":{"a":1},"method":"textDocument/hover"}`), -32600, "null"},
		{"a fractional id", rpcFrame(`{"jsonrpc":"2.0","id":1.5,"method":"textDocument/hover"}`), -32600, "null"},
		{"a method that is a number", rpcFrame(`{"jsonrpc":"2.0","id":"x7","method":5}`), -32600, `"x7"`},
		{"params that are a string", rpcFrame(`{"jsonrpc":"2.0","id":8,"method":"workspace/symbol","params":"q"}`), -32600, "8"},
		{"JSON-RPC 1.0", rpcFrame(`{"jsonrpc":"1.0","id":9,"method":"workspace/symbol","params":{}}`), -32600, "9"},
		{"neither request nor response", rpcFrame(`{"jsonrpc":"2.0","id":10}`), -32600, "10"},
		{"a Content-Length that is no number", "Content-Length: abc\r\n\r\n" + `{"jsonrpc":"2.0","method":"initialized"}`, -32700, "null"},
		{"a negative Content-Length", "Content-Length: -4\r\n\r\n{}{}", -32700, "null"},
		{"a huge Content-Length", "Content-Length: 99999999999\r\n\r\n", -32700, "null"},
		{"no Content-Length", "Content-Type: application/json\r\n\r\n{}", -32700, "null"},
		{"a header line of 10 KB", strings.Repeat("x", 10<<10) + "\r\n\r\n", -32700, "null"},
	} {
		c.raw(tc.frame)
		// A valid request after each: the server is still there, and
		// reads it whole.
		var syms []any
		c.call("workspace/symbol", map[string]any{"query": "rate"}, &syms)
		require.NotEmpty(t, syms, tc.name)
		c.mu.Lock()
		stray := c.stray
		c.stray = nil
		c.mu.Unlock()
		if assert.Len(t, stray, 1, tc.name) {
			require.NotNil(t, stray[0].Error, tc.name)
			assert.Equal(t, tc.code, stray[0].Error.Code, "%s: %s", tc.name, stray[0].Error.Message)
			assert.Equal(t, tc.id, string(stray[0].ID), tc.name)
		}
	}
	// A frame that runs into the next one's header: the next is read.
	c.raw("Content-Length: x\r\n\r\n{\"broken\"" + rpcFrame(`{"jsonrpc":"2.0","method":"initialized","params":{}}`))
	c.open("rewards.promo")
	assert.Empty(t, c.diagnostics("rewards.promo"))
	c.shutdown()
}
