package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
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

// writeServeRules writes serveRules as the rule set dir/rules, the directory
// the serve tests start promoc serve on.
func writeServeRules(t *testing.T, dir string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "rules"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules", "rules.promo"), []byte(serveRules), 0o644))
}

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
	writeServeRules(t, dir)
	db := filepath.Join(dir, "promoc.db")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := serveInProcess(t, ctx, "serve", filepath.Join(dir, "rules"), "--db", db, "--addr", "127.0.0.1:0", "--tick", "50ms")
	url, stderr, sc, lines := srv.url, srv.stderr, srv.sc, srv.lines
	for sc.Scan() && !strings.Contains(sc.Text(), "promoc keys create") {
		lines = append(lines, sc.Text())
	}
	assert.Equal(t, "\tpromoc keys create --role admin --db "+db, sc.Text(), "how to make the first key")
	srv.drain()

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

	// The rule set recorded at the start and promoc keys are in the audit
	// log, which an admin reads.
	keyOut.Reset()
	require.Equal(t, 0, run([]string{"keys", "create", "--role", "admin", "--db", db}, nil, &keyOut, &keyErr), keyErr.String())
	req, err := http.NewRequest("GET", url+"/v1/audit", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(keyOut.String()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var audit struct {
		Entries []struct{ Actor, Action string } `json:"entries"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&audit))
	resp.Body.Close()
	assert.Equal(t, []struct{ Actor, Action string }{{"cli", "ruleset.seed"}, {"cli", "key.create"}, {"cli", "key.create"}}, audit.Entries)

	resp, err = http.Get(url + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)

	srv.stop(t, 10*time.Second)
	logs := stderr.String()
	assert.Contains(t, logs, `"msg":"request"`)
	assert.Contains(t, logs, `"path":"/v1/events"`)
	assert.Contains(t, logs, `"msg":"stopped"`)
	assert.NotContains(t, logs, secret)
	assert.NotContains(t, logs, secret[len(secret)-43:])
}

// TestServeTLS serves HTTPS with a certificate and key given, as all of
// serve's flags may be, by environment variables.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	writeServeRules(t, dir)
	certPEM, keyPEM := selfSigned(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "key.pem"), keyPEM, 0o600))
	t.Setenv("PROMOC_TLS_CERT", filepath.Join(dir, "cert.pem"))
	t.Setenv("PROMOC_TLS_KEY", filepath.Join(dir, "key.pem"))
	t.Setenv("PROMOC_ADDR", "127.0.0.1:0")
	t.Setenv("PROMOC_DB", filepath.Join(dir, "promoc.db"))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := serveInProcess(t, ctx, "serve", filepath.Join(dir, "rules"))
	url, stderr := srv.url, srv.stderr
	srv.drain()
	require.True(t, strings.HasPrefix(url, "https://127.0.0.1:"), "%q; stderr: %s", url, stderr.String())

	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(certPEM))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(url + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	_, err = http.Get(url + "/healthz") // the system's roots do not know the certificate
	assert.Error(t, err)
	_, err = os.Stat(filepath.Join(dir, "promoc.db"))
	assert.NoError(t, err, "PROMOC_DB named the database")

	srv.stop(t, 10*time.Second)
}

// TestServeEnv: a bad value in an environment variable is bad usage
// naming the variable; a flag given wins over its variable.
func TestServeEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PROMOC_TICK", "soon")
	var out, errb bytes.Buffer
	assert.Equal(t, 2, run([]string{"serve", dir}, nil, &out, &errb))
	assert.Equal(t, "promoc: PROMOC_TICK=\"soon\": invalid argument \"soon\" for \"--tick\" flag: time: invalid duration \"soon\"\n", errb.String())
	t.Setenv("PROMOC_TICK", "1s")
	t.Setenv("PROMOC_LOG_FORMAT", "xml")
	errb.Reset()
	assert.Equal(t, 2, run([]string{"serve", dir, "--tick", "0s", "--log-format", "text"}, nil, &out, &errb))
	assert.Equal(t, "promoc: --tick 0s: expected a positive duration such as 5s\n", errb.String())
}

// selfSigned makes a certificate for 127.0.0.1 and its key, PEM-encoded.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "promoc test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}
