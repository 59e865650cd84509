package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
)

func TestProofServeAsyncCrashSQLite(t *testing.T) {
	proveAsyncCrash(t, "SQLite", filepath.Join(t.TempDir(), "promoc.db"))
}

func TestProofServeAsyncCrashPostgres(t *testing.T) {
	proveAsyncCrash(t, "PostgreSQL", pgtest.Schema(t, "promoc serve's async crash proof", "serve_async_crash"))
}

// startAsyncServe starts promoc serve --async on db and waits until it
// listens.
func startAsyncServe(t *testing.T, exe, rules, db string) *crashChild {
	t.Helper()
	return startChild(t, exe, []string{"serve", rules, "--db", db, "--addr", "127.0.0.1:0", "--tick", "1h", "--log-format", "text",
		"--async", "--poll", "20ms", "--stale-request", "1s", "--lease-ttl", "1s"})
}

// proveAsyncCrash runs promoc serve --async on db under load from several
// clients, kills it with SIGKILL at random points (between a 202 and the
// handling of its events, during a handling, anywhere) and starts it
// again on the same database, the clients sending again what got no 202.
// Then every event acknowledged with a 202 has its one outcome, none
// twice, and every reference given reads done.
func proveAsyncCrash(t *testing.T, name, db string) {
	nEvents, nKills, nClients := crashSize()
	nEvents /= 2
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 3))
	exe, rules := crashRuleSet(t)

	ctx := context.Background()
	opSecret := operatorKey(t, db, "async crash proof")

	base := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	type asyncRequest struct {
		crashRequest
		ref string // of the 202
	}
	reqs := make([][]*asyncRequest, nClients)
	for n, c := 0, 0; n < nEvents; c = (c + 1) % nClients {
		player := fmt.Sprintf("c%d-p%d", c, len(reqs[c])%3)
		var evs []map[string]any
		if len(reqs[c]) < 3 {
			evs = append(evs, map[string]any{"id": "reg-" + player, "player": player, "kind": "player", "time": base.Format(time.RFC3339), "currency": "EUR"})
		}
		r := &asyncRequest{crashRequest: crashRequest{key: fmt.Sprintf("c%d-r%d", c, len(reqs[c]))}}
		for range 1 + rng.IntN(5) {
			id := fmt.Sprintf("d%d", n)
			evs = append(evs, map[string]any{"id": id, "player": player, "kind": "deposit",
				"time": base.Add(time.Duration(n) * time.Second).Format(time.RFC3339), "amount": fmt.Sprintf("%d.%02d", 10+n%90, n%100)})
			r.events = append(r.events, id)
			n++
		}
		var err error
		r.body, err = json.Marshal(evs)
		require.NoError(t, err)
		reqs[c] = append(reqs[c], r)
	}

	var url atomic.Value
	child := startAsyncServe(t, exe, rules, db)
	defer func() {
		if child.cmd.ProcessState == nil {
			child.cmd.Process.Kill()
		}
	}()
	url.Store(child.url)
	client := &http.Client{Timeout: 30 * time.Second}
	post := func(r *asyncRequest) (int, string, error) {
		req, err := http.NewRequest("POST", url.Load().(string)+"/v1/events", bytes.NewReader(r.body))
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Authorization", "Bearer "+opSecret)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", r.key)
		res, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer res.Body.Close()
		var body struct{ Ref string }
		if res.StatusCode == http.StatusAccepted {
			if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
				return 0, "", err
			}
		}
		return res.StatusCode, body.Ref, nil
	}

	var tries, again atomic.Int64
	var wg sync.WaitGroup
	for c := range nClients {
		wg.Go(func() {
			for _, r := range reqs[c] {
				for {
					tries.Add(1)
					status, ref, err := post(r)
					if err == nil && status == http.StatusAccepted {
						r.ref = ref
						break
					}
					if err == nil && status != http.StatusConflict && status < 500 {
						t.Errorf("request %s: %d", r.key, status)
						return
					}
					again.Add(1)
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
	pendingAtKills := 0
	underLoad := killUnderLoad(t, &wg, &child, nKills, 50, 300, rng, func() *crashChild {
		st, err := openStore(ctx, db, false)
		require.NoError(t, err)
		p, err := st.(store.Inbox).PendingInbox(ctx, 100_000)
		require.NoError(t, err)
		pendingAtKills += len(p)
		require.NoError(t, st.Close())
		child := startAsyncServe(t, exe, rules, db)
		url.Store(child.url)
		return child
	})

	// Every reference given reads done.
	deadline := time.Now().Add(90 * time.Second)
	refs := 0
	for _, rs := range reqs {
		for _, r := range rs {
			refs++
			for {
				var got struct{ Status string }
				getJSON(t, client, child.url+"/v1/events/status/"+r.ref, opSecret, &got)
				if got.Status == "done" {
					break
				}
				require.Equal(t, "pending", got.Status, "request %s", r.key)
				if time.Now().After(deadline) {
					t.Fatalf("request %s (%s) still pending after 90 s\n%s", r.key, r.ref, child.stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	require.NoError(t, child.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-child.done, "a graceful stop: %s", child.stderr.String())

	st, err := openStore(ctx, db, false)
	require.NoError(t, err)
	defer st.Close()
	byEvent := map[string]int{}
	outcomes := 0
	for _, o := range outcomeLog(t, st) {
		out, err := engine.OutcomeOf(o)
		require.NoError(t, err)
		byEvent[out.Trigger.Event]++
		outcomes++
	}
	events := 0
	for _, rs := range reqs {
		for _, r := range rs {
			for _, id := range r.events {
				events++
				assert.Equal(t, 1, byEvent[id], "event %s: one outcome", id)
			}
		}
	}
	assert.Equal(t, events, outcomes, "one outcome per event, none twice")
	pending, err := st.(store.Inbox).PendingInbox(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, pending)
	t.Logf("%s: %d events in %d requests answered 202 from %d clients (seed %d); killed with SIGKILL %d times (%d while the clients sent; %d requests acknowledged and not yet handled at the kills, handled after); %d tries sent again (no answer, 409 or 5xx); every reference done, %d outcomes, each event's once",
		name, events, refs, nClients, seed, nKills, underLoad, pendingAtKills, again.Load(), outcomes)
}
