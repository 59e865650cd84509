package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestServeWebhookSecret: --webhook without a secret in the environment
// (or one too short) is a usage error naming the variable, before anything
// is opened.
func TestServeWebhookSecret(t *testing.T) {
	dir := t.TempDir()
	writeServeRules(t, dir)
	for _, secret := range []string{"", "short"} {
		t.Setenv(webhookSecretEnv, secret)
		var out, errb bytes.Buffer
		code := run([]string{"serve", filepath.Join(dir, "rules"), "--db", filepath.Join(dir, "promoc.db"), "--webhook", "http://127.0.0.1:1/hook"}, nil, &out, &errb)
		assert.Equal(t, 2, code, "%q: %s", secret, errb.String())
		assert.Contains(t, errb.String(), webhookSecretEnv)
		assert.NoFileExists(t, filepath.Join(dir, "promoc.db"))
	}
	var out, errb bytes.Buffer
	code := run([]string{"serve", filepath.Join(dir, "rules"), "--webhook-retry-min", "2s", "--webhook-retry-max", "1s"}, nil, &out, &errb)
	assert.Equal(t, 2, code, errb.String())
	assert.Contains(t, errb.String(), "--webhook-retry-max")
}
