package server_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// verifyDelivery is how a receiver written in Go, with the standard library
// only, checks a delivery of promoc serve: the README shows this function.
// It returns the body, read whole and verified.
func verifyDelivery(r *http.Request, secret []byte, now time.Time) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	var ts string
	var sigs []string
	for _, part := range strings.Split(r.Header.Get("Promoc-Signature"), ",") {
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
		return nil, errors.New("no time in Promoc-Signature")
	}
	if d := now.Sub(time.Unix(unix, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return nil, errors.New("signed too long ago: a replay?")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body) // the body as received, not decoded and encoded again
	want := mac.Sum(nil)
	for _, s := range sigs {
		if got, err := hex.DecodeString(s); err == nil && hmac.Equal(got, want) {
			return body, nil // then dedupe by the Promoc-Delivery header
		}
	}
	return nil, errors.New("bad signature")
}

// Example_webhookReceiver: a receiver checks each delivery with
// verifyDelivery, answers 2xx once it has the outcome (promoc tries again
// otherwise), and dedupes by Promoc-Delivery: a delivery may come more than
// once.
func Example_webhookReceiver() {
	secret := []byte("a secret of at least 16 bytes")
	sent := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := verifyDelivery(r, secret, sent.Add(2*time.Second))
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		id := r.Header.Get("Promoc-Delivery")
		if !seen[id] {
			seen[id] = true
			fmt.Printf("outcome %s: %s\n", id, body)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	post := func(body []byte, signature string) {
		req, _ := http.NewRequest("POST", receiver.URL, bytes.NewReader(body))
		req.Header.Set("Promoc-Delivery", "wh_1-7")
		req.Header.Set("Promoc-Signature", signature)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	body := []byte(`{"delivery":"wh_1-7","webhook":"wh_1","outcome":{"seq":7}}`)
	post(body, server.SignWebhook(secret, sent, body))
	post(body, server.SignWebhook(secret, sent, body)) // a repeat: deduped
	post(body, server.SignWebhook([]byte("another secret, not ours"), sent, body))
	post(body, server.SignWebhook(secret, sent.Add(-time.Hour), body))
	// Output:
	// outcome wh_1-7: {"delivery":"wh_1-7","webhook":"wh_1","outcome":{"seq":7}}
	// 204
	// 204
	// 401
	// 401
}

// TestREADMEWebhookReceiver: the README shows verifyDelivery as tested
// here.
func TestREADMEWebhookReceiver(t *testing.T) {
	src, err := os.ReadFile("example_webhook_test.go")
	require.NoError(t, err)
	start := bytes.Index(src, []byte("func verifyDelivery("))
	require.GreaterOrEqual(t, start, 0)
	end := bytes.Index(src[start:], []byte("\n}\n"))
	require.Greater(t, end, 0)
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	assert.Contains(t, string(readme), string(src[start:start+end+2]), "the README's receiver is verifyDelivery")
}

// TestVerifyWebhook: the signature of SignWebhook verifies; another
// secret, another body, a time out of tolerance or a malformed header does
// not; several v1 signatures (a secret being rotated) are each tried.
func TestVerifyWebhook(t *testing.T) {
	secret := []byte("0123456789abcdef")
	at := time.Unix(1796551200, 0)
	body := []byte(`{"outcome":{"seq":1}}`)
	sig := server.SignWebhook(secret, at, body)
	assert.Regexp(t, `^t=1796551200,v1=[0-9a-f]{64}$`, sig)
	other := server.SignWebhook([]byte("another secret!!"), at, body)
	_, otherV1, _ := strings.Cut(other, ",")
	tests := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		want   error // nil: valid; errOther: any error
	}{
		{"valid", secret, sig, body, at.Add(time.Minute), nil},
		{"valid, a clock behind", secret, sig, body, at.Add(-time.Minute), nil},
		{"two signatures, one ours", secret, sig + "," + otherV1, body, at, nil},
		{"another secret", []byte("another secret!!!"), sig, body, at, server.ErrWebhookSignature},
		{"another body", secret, sig, []byte(`{"outcome":{"seq":2}}`), at, server.ErrWebhookSignature},
		{"too old", secret, sig, body, at.Add(6 * time.Minute), server.ErrWebhookTooOld},
		{"no v1", secret, "t=1796551200", body, at, errOther},
		{"no t", secret, otherV1, body, at, errOther},
		{"not hex", secret, "t=1796551200,v1=zz", body, at, errOther},
		{"garbage", secret, "hello", body, at, errOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := server.VerifyWebhook(tt.secret, tt.header, tt.body, tt.now, 5*time.Minute)
			switch tt.want {
			case nil:
				assert.NoError(t, err)
			case errOther:
				assert.Error(t, err)
			default:
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
}

var errOther = errors.New("any error")
