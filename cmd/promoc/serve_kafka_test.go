package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestServeKafka: promoc serve consumes the events of a Kafka topic (an
// in-process cluster), its brokers given by PROMOC_KAFKA_BROKERS, and
// their outcome is in the log.
func TestServeKafka(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "events"))
	require.NoError(t, err)
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic("events"))
	require.NoError(t, err)
	defer cl.Close()
	require.NoError(t, cl.ProduceSync(context.Background(),
		&kgo.Record{Key: []byte("p1"), Value: []byte(`{"id":"r1","player":"p1","kind":"player","time":"2026-12-06T09:00:00Z","currency":"EUR"}`)},
		&kgo.Record{Key: []byte("p1"), Value: []byte(`{"id":"d1","player":"p1","kind":"deposit","time":"2026-12-06T09:01:00Z","amount":"50.00"}`)},
	).FirstErr())

	dir := t.TempDir()
	writeServeRules(t, dir)
	db := filepath.Join(dir, "promoc.db")
	var keyOut, keyErr bytes.Buffer
	require.Equal(t, 0, run([]string{"keys", "create", "--role", "viewer", "--db", db}, nil, &keyOut, &keyErr), keyErr.String())
	secret := strings.TrimSpace(keyOut.String())

	t.Setenv("PROMOC_KAFKA_BROKERS", strings.Join(c.ListenAddrs(), ","))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := serveInProcess(t, ctx, "serve", filepath.Join(dir, "rules"), "--db", db, "--addr", "127.0.0.1:0", "--kafka-topic", "events")
	url, stderr := srv.url, srv.stderr
	srv.drain()

	var outs []map[string]any
	deadline := time.Now().Add(30 * time.Second)
	for len(outs) == 0 && time.Now().Before(deadline) {
		req, err := http.NewRequest("GET", url+"/v1/outcomes?after=0", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var page struct {
			Outcomes []map[string]any `json:"outcomes"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
		resp.Body.Close()
		outs = page.Outcomes
		time.Sleep(20 * time.Millisecond)
	}
	require.Len(t, outs, 1, "the deposit's outcome; stderr: %s", stderr.String())
	assert.Equal(t, "issued", outs[0]["status"])
	srv.stop(t, 20*time.Second)
	assert.Contains(t, stderr.String(), `"msg":"kafka: consuming"`)

	var out, errb bytes.Buffer
	t.Setenv("PROMOC_KAFKA_BROKERS", "")
	assert.Equal(t, 2, run([]string{"serve", dir, "--kafka-topic", "events"}, nil, &out, &errb))
	assert.Equal(t, "promoc: --kafka-brokers and --kafka-topic go together: where the brokers are (HOST:PORT,...) and the topic of the events\n", errb.String())
}
