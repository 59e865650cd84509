package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The headers of a webhook delivery.
const (
	// HeaderSignature carries t=UNIX,v1=HEX: the time of the try in Unix
	// seconds and the HMAC-SHA256, in hex, of the secret over the time, a
	// dot and the body ([SignWebhook]).
	HeaderSignature = "Promoc-Signature"
	// HeaderDelivery is the delivery's id, the same in every try of one
	// outcome to one webhook: a receiver dedupes by it.
	HeaderDelivery = "Promoc-Delivery"
)

// SignWebhook is the value of the Promoc-Signature header of body sent at
// t: "t=" and t in Unix seconds, ",v1=" and the lowercase hex HMAC-SHA256
// with secret of the text t (in decimal), ".", body.
func SignWebhook(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(webhookMAC(secret, ts, body))
}

func webhookMAC(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Errors of VerifyWebhook, found with errors.Is.
var (
	ErrWebhookSignature = errors.New("webhook signature does not match")
	ErrWebhookTooOld    = errors.New("webhook signature time outside the tolerance")
)

// VerifyWebhook checks the Promoc-Signature header of a delivery against
// its body, as received (before any JSON decoding): one of its v1
// signatures must be the HMAC of secret over its time and body, compared in
// constant time, and its time within tolerance of now, so that a captured
// delivery cannot be replayed later. A receiver written in another language
// does the same: split the header on commas, recompute the HMAC-SHA256 of
// "t.body", compare.
func VerifyWebhook(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%s %q: expected t=UNIX,v1=HEX", HeaderSignature, header)
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil {
				return fmt.Errorf("%s: v1 %q: not hex", HeaderSignature, v)
			}
			sigs = append(sigs, sig)
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("%s %q: expected t=UNIX,v1=HEX", HeaderSignature, header)
	}
	want := webhookMAC(secret, ts, body)
	match := false
	for _, sig := range sigs {
		match = hmac.Equal(sig, want) || match
	}
	if !match {
		return ErrWebhookSignature
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed at %s, %s from now", ErrWebhookTooOld, time.Unix(unix, 0).UTC().Format(time.RFC3339), d.Round(time.Second))
	}
	return nil
}
