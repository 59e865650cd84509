package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeWebhookSecret: --webhook without a secret in the environment
// (or one too short) is a usage error naming the variable, before anything
// is opened.
func TestServeWebhookSecret(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "rules"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules", "rules.promo"), []byte(serveRules), 0o644))
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

// TestServeFlagsInREADME: the README's table of serve's flags has every
// flag with its environment variable.
func TestServeFlagsInREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	rows := map[string]string{} // flag -> its row
	flagRE := regexp.MustCompile("`--([a-z-]+)`")
	for _, line := range strings.Split(string(readme), "\n") {
		cells := strings.Split(line, "|")
		if !strings.HasPrefix(line, "| `--") || len(cells) < 3 {
			continue
		}
		for _, m := range flagRE.FindAllStringSubmatch(cells[1], -1) {
			rows[m[1]] = line
		}
	}
	newServeCmd().Flags().VisitAll(func(f *pflag.Flag) {
		row, ok := rows[f.Name]
		if assert.True(t, ok, "--%s is not in the README's table", f.Name) {
			assert.Contains(t, row, "`"+envName(f.Name)+"`", "--%s", f.Name)
		}
	})
	assert.Contains(t, string(readme), "| | `"+webhookSecretEnv+"` |")
}
