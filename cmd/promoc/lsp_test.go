package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// frames writes JSON-RPC messages with their Content-Length headers.
func frames(msgs ...map[string]any) *bytes.Buffer {
	var b bytes.Buffer
	for _, m := range msgs {
		m["jsonrpc"] = "2.0"
		body, _ := json.Marshal(m)
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	}
	return &b
}

// readFrames parses stdout as JSON-RPC messages and nothing else.
func readFrames(t *testing.T, out []byte) []map[string]any {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(out))
	var msgs []map[string]any
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF && line == "" {
			return msgs
		}
		require.NoError(t, err)
		v, ok := strings.CutPrefix(line, "Content-Length: ")
		require.True(t, ok, "stdout holds something else than the protocol: %q", line)
		n, err := strconv.Atoi(strings.TrimSpace(v))
		require.NoError(t, err)
		blank, _ := r.ReadString('\n')
		require.Equal(t, "\r\n", blank)
		body := make([]byte, n)
		_, err = io.ReadFull(r, body)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(body, &m))
		msgs = append(msgs, m)
	}
}

func TestLsp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.promo")
	require.NoError(t, os.WriteFile(path, []byte("const a = nope\n"), 0o644))
	uri := "file://" + filepath.ToSlash(path)
	session := func() *bytes.Buffer {
		return frames(
			map[string]any{"id": 1, "method": "initialize", "params": map[string]any{"processId": nil, "rootUri": nil, "capabilities": map[string]any{}}},
			map[string]any{"method": "initialized", "params": map[string]any{}},
			map[string]any{"method": "textDocument/didOpen", "params": map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "promo", "version": 1, "text": "const a = nope\n"}}},
			map[string]any{"id": 2, "method": "textDocument/hover", "params": map[string]any{"textDocument": map[string]any{"uri": uri}, "position": map[string]any{"line": 0, "character": 1}}},
			map[string]any{"id": 3, "method": "shutdown"},
			map[string]any{"method": "exit"},
		)
	}

	var stdout, stderr bytes.Buffer
	code := run([]string{"lsp"}, session(), &stdout, &stderr)
	assert.Equal(t, 0, code, "stderr: %s", stderr.String())
	msgs := readFrames(t, stdout.Bytes())
	var ids []float64
	var published bool
	for _, m := range msgs {
		if id, ok := m["id"].(float64); ok {
			ids = append(ids, id)
			assert.Nil(t, m["error"], "response %v", m)
		}
		if m["method"] == "textDocument/publishDiagnostics" {
			published = true
			assert.Contains(t, fmt.Sprint(m["params"]), "undefined: nope")
		}
	}
	assert.Equal(t, []float64{1, 2, 3}, ids)
	assert.True(t, published, "the diagnostics of a.promo are published")
	assert.Contains(t, stderr.String(), "promoc lsp", "the log goes to stderr")

	t.Run("log file", func(t *testing.T) {
		log := filepath.Join(t.TempDir(), "lsp.log")
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 0, run([]string{"lsp", "--log", log}, session(), &stdout, &stderr))
		assert.Empty(t, stderr.String())
		b, err := os.ReadFile(log)
		require.NoError(t, err)
		assert.Contains(t, string(b), "promoc lsp")
		readFrames(t, stdout.Bytes())
	})
	t.Run("no shutdown", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		in := frames(map[string]any{"id": 1, "method": "initialize", "params": map[string]any{"capabilities": map[string]any{}}})
		assert.Equal(t, 1, run([]string{"lsp"}, in, &stdout, &stderr), "the client left without shutdown")
		assert.Contains(t, stderr.String(), "without asking the server to shut down")
	})
}
