package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// acceptReceiver is a webhook receiver written from the README alone: it
// checks Promoc-Signature (t=UNIX,v1=HEX: HMAC-SHA256 with the secret of
// the time, a dot and the body as received), refuses the first try of
// every delivery with a 503, and keeps what it accepted.
type acceptReceiver struct {
	secret []byte
	mu     sync.Mutex
	tries  map[string]int // per Promoc-Delivery
	bad    []string       // what failed verification
	got    []map[string]any
}

// verify is the README's check, written again here: the time within 5
// minutes of now, and one v1 signature equal to the HMAC.
func verify(secret []byte, header string, body []byte, now time.Time) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("no time in %q", header)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("signed at %d, now %d", unix, now.Unix())
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	for _, s := range sigs {
		if got, err := hex.DecodeString(s); err == nil && hmac.Equal(got, mac.Sum(nil)) {
			return nil
		}
	}
	return fmt.Errorf("no signature of %q matches", header)
}

func (rc *acceptReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id := r.Header.Get("Promoc-Delivery")
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err := verify(rc.secret, r.Header.Get("Promoc-Signature"), body, time.Now()); err != nil {
		rc.bad = append(rc.bad, id+": "+err.Error())
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rc.tries[id]++
	if rc.tries[id] == 1 {
		w.WriteHeader(http.StatusServiceUnavailable) // try again
		return
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		rc.bad = append(rc.bad, id+": "+err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	m["header"] = id
	rc.got = append(rc.got, m)
}

func (rc *acceptReceiver) accepted() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

// TestAcceptWebhookSignedAndRetried: promoc serve with --webhook posts
// every outcome, signed with PROMOC_WEBHOOK_SECRET as the README says; a
// try refused with a 503 is tried again with the same Promoc-Delivery (the
// receiver's dedupe key, also the body's "delivery"), and the outcomes
// come in the order of the log, one request each, each only once accepted.
// A body changed on the way fails the check (the check is not a no-op).
func TestAcceptWebhookSignedAndRetried(t *testing.T) {
	const secret = "acceptance-webhook-secret-0123456789"
	rc := &acceptReceiver{secret: []byte(secret), tries: map[string]int{}}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	t.Setenv(webhookSecretEnv, secret)

	dir := t.TempDir()
	writeServeRules(t, dir)
	db := filepath.Join(dir, "promoc.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := serveInProcess(t, ctx, "serve", filepath.Join(dir, "rules"), "--db", db, "--addr", "127.0.0.1:0",
		"--webhook", hook.URL+"/promoc", "--webhook-retry-min", "20ms", "--webhook-retry-max", "100ms")
	srv.drain()
	var keyOut, keyErr bytes.Buffer
	require.Equal(t, 0, run([]string{"keys", "create", "--role", "operator", "--db", db}, nil, &keyOut, &keyErr), keyErr.String())
	key := strings.TrimSpace(keyOut.String())

	// Three first deposits, 10 EUR each; the third player's is below 20 EUR
	// (the trigger's condition): no outcome. Then a fourth.
	body := `[{"id":"d1","player":"p1","kind":"deposit","time":"2026-12-06T09:01:00Z","amount":"50.00","currency":"EUR"},
		{"id":"d2","player":"p2","kind":"deposit","time":"2026-12-06T09:02:00Z","amount":"20.00","currency":"EUR"},
		{"id":"d3","player":"p3","kind":"deposit","time":"2026-12-06T09:03:00Z","amount":"19.99","currency":"EUR"},
		{"id":"d4","player":"p4","kind":"deposit","time":"2026-12-06T09:04:00Z","amount":"25.00","currency":"EUR"}]`
	req, err := http.NewRequest("POST", srv.url+"/v1/events", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "webhook-accept")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)

	require.Eventually(t, func() bool { return rc.accepted() == 3 }, 20*time.Second, 20*time.Millisecond, "three outcomes delivered")
	time.Sleep(200 * time.Millisecond) // nothing more comes
	srv.stop(t, 10*time.Second)

	rc.mu.Lock()
	defer rc.mu.Unlock()
	assert.Empty(t, rc.bad, "every try verifies")
	require.Len(t, rc.got, 3)
	var players []string
	for i, m := range rc.got {
		o := m["outcome"].(map[string]any)
		assert.EqualValues(t, i+1, o["seq"], "in the order of the log")
		assert.Equal(t, m["header"], m["delivery"], "Promoc-Delivery is the body's delivery")
		assert.Equal(t, 2, rc.tries[m["header"].(string)], "refused once, then accepted")
		assert.Equal(t, "issued", o["status"])
		assert.Equal(t, "10.00", o["amount"])
		players = append(players, o["player"].(string))
	}
	assert.Equal(t, []string{"p1", "p2", "p4"}, players)

	// The check refuses a body changed by one byte, and another secret.
	now := time.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + `.{"a":1}`))
	header := "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
	assert.NoError(t, verify([]byte(secret), header, []byte(`{"a":1}`), now))
	assert.Error(t, verify([]byte(secret), header, []byte(`{"a":2}`), now))
	assert.Error(t, verify([]byte("another-secret-0123456789"), header, []byte(`{"a":1}`), now))
	assert.Error(t, verify([]byte(secret), header, []byte(`{"a":1}`), now.Add(6*time.Minute)), "a replay")
}
