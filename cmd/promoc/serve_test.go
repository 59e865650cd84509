package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const serveRules = `kind deposit {
	amount: money
}

reward welcome_ten: amount {
	give 10 EUR
}

automation first_deposit_bonus {
	trigger on first deposit where amount >= 20 EUR
	budget 100 EUR

	give welcome_ten
}
`

// lockedBuffer is a buffer that the server's goroutines and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServe runs promoc serve on a random port of the loopback address
// with no other set-up than a rule set: it says where it listens and how to
// make the first key; a key made then works; it stops with exit 0 when its
// context ends (as on SIGTERM), and no secret is in its log.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "rules"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules", "rules.promo"), []byte(serveRules), 0o644))
	db := filepath.Join(dir, "promoc.db")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	stderr := &lockedBuffer{}
	code := make(chan int, 1)
	go func() {
		code <- runContext(ctx, []string{"serve", filepath.Join(dir, "rules"), "--db", db, "--addr", "127.0.0.1:0", "--tick", "50ms"},
			strings.NewReader(""), outW, stderr)
		outW.Close()
	}()
	sc := bufio.NewScanner(outR)
	var lines []string
	var url string
	for url == "" && sc.Scan() {
		lines = append(lines, sc.Text())
		if a, ok := strings.CutPrefix(sc.Text(), "promoc serve: listening on "); ok {
			url = a
		}
	}
	require.NotEmpty(t, url, "stdout: %q; stderr: %s", lines, stderr.String())
	for sc.Scan() && !strings.Contains(sc.Text(), "promoc keys create") {
		lines = append(lines, sc.Text())
	}
	assert.Equal(t, "\tpromoc keys create --role admin --db "+db, sc.Text(), "how to make the first key")
	go io.Copy(io.Discard, outR)

	var keyOut, keyErr bytes.Buffer
	require.Equal(t, 0, run([]string{"keys", "create", "--role", "operator", "--db", db}, nil, &keyOut, &keyErr), keyErr.String())
	secret := strings.TrimSpace(keyOut.String())

	post := func(body string) (int, map[string]any) {
		req, err := http.NewRequest("POST", url+"/v1/events", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "first")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var m map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
		return resp.StatusCode, m
	}
	status, m := post(`[{"id":"r1","player":"p1","kind":"player","time":"2026-12-06T09:00:00Z","currency":"EUR"},
		{"id":"d1","player":"p1","kind":"deposit","time":"2026-12-06T09:01:00Z","amount":"50.00"}]`)
	require.Equal(t, 200, status, "%v", m)
	outs := m["outcomes"].([]any)
	require.Len(t, outs, 1)
	assert.Equal(t, "issued", outs[0].(map[string]any)["status"])
	assert.Equal(t, "10.00", outs[0].(map[string]any)["amount"])

	resp, err := http.Get(url + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)

	cancel()
	select {
	case c := <-code:
		assert.Equal(t, 0, c, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	logs := stderr.String()
	assert.Contains(t, logs, `"msg":"request"`)
	assert.Contains(t, logs, `"path":"/v1/events"`)
	assert.Contains(t, logs, `"msg":"stopped"`)
	assert.NotContains(t, logs, secret)
	assert.NotContains(t, logs, secret[len(secret)-43:])
}
