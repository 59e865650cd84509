package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
)

// crashRules give one outcome for every deposit: an event acknowledged
// must have exactly one.
const crashRules = `kind deposit {
	amount: money
}

reward cashback: amount {
	give 10% of last(deposit.amount)
}

automation every_deposit {
	trigger on deposit

	give cashback
}
`

// crashSize is the proof's size: events sent, SIGKILLs, clients. CI sets
// PROMOC_SERVE_PROOF_FULL for the full size.
func crashSize() (events, kills, clients int) {
	if os.Getenv("PROMOC_SERVE_PROOF_FULL") != "" {
		return 20_000, 20, 8
	}
	return 1_500, 5, 4
}

func TestProofServeCrashSQLite(t *testing.T) {
	proveServeCrash(t, "SQLite", filepath.Join(t.TempDir(), "promoc.db"))
}

func TestProofServeCrashPostgres(t *testing.T) {
	proveServeCrash(t, "PostgreSQL", pgtest.Schema(t, "promoc serve's crash proof", "serve_crash"))
}

// crashReceiver is the webhook endpoint of the proof: it verifies every
// delivery, refuses one in twenty with a 500 (promoc must try again), and
// keeps each outcome the first time it takes it (deduped by delivery id),
// in the order taken.
type crashReceiver struct {
	t       *testing.T
	secret  []byte
	mu      sync.Mutex
	rng     *rand.Rand
	taken   map[string]int64 // delivery id -> outcome
	order   []int64          // outcomes, the first time each was taken
	repeats int              // deliveries taken again
	refused int
}

func (r *crashReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return // the sender died mid-request
	}
	if err := server.VerifyWebhook(r.secret, req.Header.Get(server.HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
		r.t.Errorf("a delivery does not verify: %v", err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var d struct {
		Delivery string         `json:"delivery"`
		Outcome  engine.Outcome `json:"outcome"`
	}
	if err := json.Unmarshal(body, &d); err != nil || d.Delivery != req.Header.Get(server.HeaderDelivery) || d.Outcome.Seq == 0 {
		r.t.Errorf("a delivery %q with the body %s", req.Header.Get(server.HeaderDelivery), body)
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rng.IntN(20) == 0 {
		r.refused++
		http.Error(w, "not now", http.StatusInternalServerError)
		return
	}
	if seq, ok := r.taken[d.Delivery]; ok {
		if seq != d.Outcome.Seq {
			r.t.Errorf("delivery %s: outcome %d, then %d", d.Delivery, seq, d.Outcome.Seq)
		}
		r.repeats++
	} else {
		r.taken[d.Delivery] = d.Outcome.Seq
		r.order = append(r.order, d.Outcome.Seq)
	}
	w.WriteHeader(http.StatusNoContent)
}

// crashChild is one promoc serve process.
type crashChild struct {
	cmd    *exec.Cmd
	url    string
	stderr *lockedBuffer
	done   chan error
}

// startServe starts promoc serve on db and waits until it listens.
func startServe(t *testing.T, exe, rules, db, hook string, secret []byte) *crashChild {
	t.Helper()
	return startChild(t, exe, []string{"serve", rules, "--db", db, "--addr", "127.0.0.1:0", "--tick", "1h", "--log-format", "text",
		"--webhook", hook, "--webhook-retry-min", "5ms", "--webhook-retry-max", "50ms", "--stale-request", "1s", "--lease-ttl", "1s"},
		webhookSecretEnv+"="+string(secret))
}

// crashRuleSet returns the test binary as promoc (see TestMain) and a
// directory holding crashRules, the rule set of the crash proofs.
func crashRuleSet(t *testing.T) (exe, rules string) {
	t.Helper()
	exe, err := exec.LookPath("promoc")
	require.NoError(t, err)
	rules = filepath.Join(t.TempDir(), "rules")
	require.NoError(t, os.MkdirAll(rules, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(rules, "rules.promo"), []byte(crashRules), 0o644))
	return exe, rules
}

// outcomeLog is the whole outcome log of st, in its order, read a page at
// a time as a feed's reader would.
func outcomeLog(t *testing.T, st store.Store) []store.Outcome {
	t.Helper()
	ctx := context.Background()
	var log []store.Outcome
	for after := int64(0); ; {
		page, err := st.Outcomes(ctx, after, 1000)
		require.NoError(t, err)
		if len(page) == 0 {
			return log
		}
		log = append(log, page...)
		after = page[len(page)-1].Seq
	}
}

// startChild starts promoc with args (a serve on a loopback port of its
// own, "127.0.0.1:0") and the environment with env added, the test's clock
// and webhook secret left out, and waits until it listens.
func startChild(t *testing.T, exe string, args []string, env ...string) *crashChild {
	t.Helper()
	c := &crashChild{stderr: &lockedBuffer{}, done: make(chan error, 1)}
	c.cmd = exec.Command(exe, args...)
	c.cmd.Args[0] = "promoc"
	var base []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "PROMOC_TEST_NOW=") && !strings.HasPrefix(e, webhookSecretEnv+"=") {
			base = append(base, e)
		}
	}
	c.cmd.Env = append(base, env...)
	c.cmd.Stderr = c.stderr
	out, err := c.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, c.cmd.Start())
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "promoc serve: listening on "); ok {
				urls <- u
			}
		}
		c.done <- c.cmd.Wait()
	}()
	select {
	case c.url = <-urls:
	case err := <-c.done:
		t.Fatalf("promoc serve exited before listening: %v\n%s", err, c.stderr.String())
	case <-time.After(60 * time.Second):
		c.cmd.Process.Kill()
		t.Fatalf("promoc serve did not listen within a minute\n%s", c.stderr.String())
	}
	return c
}

// killUnderLoad kills *child with SIGKILL kills times, each after a pause
// of least plus up to spread milliseconds (drawn from rng), and sets
// *child to what restart starts (restart may first look at the store the
// killed process left). It returns once the clients of wg are done, with
// the number of kills that came while they still sent, and fails when
// none did.
func killUnderLoad(t *testing.T, wg *sync.WaitGroup, child **crashChild, kills, least, spread int, rng *rand.Rand, restart func() *crashChild) int {
	t.Helper()
	var loadDone atomic.Bool
	go func() {
		wg.Wait()
		loadDone.Store(true)
	}()
	underLoad := 0
	for range kills {
		time.Sleep(time.Duration(least+rng.IntN(spread)) * time.Millisecond)
		if !loadDone.Load() {
			underLoad++
		}
		require.NoError(t, (*child).cmd.Process.Signal(syscall.SIGKILL))
		<-(*child).done
		*child = restart()
	}
	wg.Wait()
	// On a machine fast enough to send the whole load before the first
	// kill, the proof would pass without a crash under load: it says so.
	require.Positive(t, underLoad, "every kill came after the clients were done: no crash under load was tested (the load is too small for this machine)")
	return underLoad
}

// operatorKey makes the store at db with one operator key, named name,
// and returns its secret.
func operatorKey(t *testing.T, db, name string) string {
	t.Helper()
	ctx := context.Background()
	st, err := openStore(ctx, db, true)
	require.NoError(t, err)
	secret, k, err := server.NewKey(server.Operator, name, time.Now())
	require.NoError(t, err)
	require.NoError(t, st.AddKey(ctx, k))
	require.NoError(t, st.Close())
	return secret
}

// crashRequest is one request of a client: a batch of one player's events
// under one Idempotency-Key, sent until it gets a 2xx.
type crashRequest struct {
	key    string
	body   []byte
	events []string // the ids of its deposits
	// got: the outcomes of its 2xx, as the response listed them.
	got []engine.Outcome
	// failed: the tries before the 2xx that failed (the process killed,
	// the key held by a killed one).
	failed int
}

// proveServeCrash runs promoc serve on db under load from several clients
// sending events with Idempotency-Keys, kills it with SIGKILL at random
// points and starts it again on the same database, the clients sending
// again what was not acknowledged. Then every event acknowledged has its
// one outcome (none twice), and a webhook receiver took every outcome at
// least once, in order, each restart resuming at the durable cursor.
func proveServeCrash(t *testing.T, name, db string) {
	nEvents, nKills, nClients := crashSize()
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	exe, rules := crashRuleSet(t)

	ctx := context.Background()
	st, err := openStore(ctx, db, true)
	require.NoError(t, err)
	opSecret, opKey, err := server.NewKey(server.Operator, "crash proof", time.Now())
	require.NoError(t, err)
	adminSecret, adminKey, err := server.NewKey(server.Admin, "crash proof", time.Now())
	require.NoError(t, err)
	require.NoError(t, st.AddKey(ctx, opKey))
	require.NoError(t, st.AddKey(ctx, adminKey))
	require.NoError(t, st.Close())

	secret := []byte("the secret of the crash proof, 32b")
	rc := &crashReceiver{t: t, secret: secret, rng: rand.New(rand.NewPCG(uint64(seed), 2)), taken: map[string]int64{}}
	hookSrv := httptest.NewServer(rc)
	defer hookSrv.Close()
	hookID := server.WebhookID(hookSrv.URL)

	// The requests: each client owns players and sends their events in
	// order, one request at a time, 1 to 5 events a request, a player's
	// registration first.
	base := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	reqs := make([][]*crashRequest, nClients)
	for n, c := 0, 0; n < nEvents; c = (c + 1) % nClients {
		player := fmt.Sprintf("c%d-p%d", c, len(reqs[c])%3)
		var evs []map[string]any
		if len(reqs[c]) < 3 {
			evs = append(evs, map[string]any{"id": "reg-" + player, "player": player, "kind": "player", "time": base.Format(time.RFC3339), "currency": "EUR"})
		}
		r := &crashRequest{key: fmt.Sprintf("c%d-r%d", c, len(reqs[c]))}
		for range 1 + rng.IntN(5) {
			id := fmt.Sprintf("d%d", n)
			evs = append(evs, map[string]any{"id": id, "player": player, "kind": "deposit",
				"time": base.Add(time.Duration(n) * time.Second).Format(time.RFC3339), "amount": fmt.Sprintf("%d.%02d", 10+n%90, n%100)})
			r.events = append(r.events, id)
			n++
		}
		r.body, err = json.Marshal(evs)
		require.NoError(t, err)
		reqs[c] = append(reqs[c], r)
	}

	var url atomic.Value
	// On PostgreSQL the children connect under a name of their own, so
	// that a kill is followed by the end of their sessions (childGone).
	childDB, app := db, ""
	if isPostgres(db) {
		app = fmt.Sprintf("promoc-serve-crash-%d", rand.Uint64())
		childDB = db + "&application_name=" + app
	}
	child := startServe(t, exe, rules, childDB, hookSrv.URL, secret)
	defer func() {
		if child.cmd.ProcessState == nil {
			child.cmd.Process.Kill()
		}
	}()
	url.Store(child.url)

	var acked, sent, refusedTries atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	for c := range nClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, r := range reqs[c] {
				for {
					sent.Add(1)
					status, resp, err := postEvents(client, url.Load().(string), opSecret, r)
					if err == nil && status == http.StatusOK {
						r.got = resp.Outcomes
						acked.Add(int64(len(r.events)))
						break
					}
					// Down (killed), the key held by a killed request
					// (409 until stale), shutting down (503): again.
					if err == nil && status != http.StatusConflict && status < 500 {
						t.Errorf("request %s: %d", r.key, status)
						return
					}
					refusedTries.Add(1)
					r.failed++
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}

	// Kill at random points under load; between two processes, note the
	// durable cursor and the end of the delivery log, so that the next
	// process's first try can be checked to resume there.
	type restart struct{ cursor, lastAttempt int64 }
	var restarts []restart
	var lastAttempt int64
	start := time.Now()
	underLoad := killUnderLoad(t, &wg, &child, nKills, 100, 400, rng, func() *crashChild {
		childGone(t, db, app)
		st, err := openStore(ctx, db, false)
		require.NoError(t, err)
		w, ok, err := st.(store.Webhooks).Webhook(ctx, hookID)
		require.NoError(t, err)
		require.True(t, ok, "the webhook is registered")
		lastAttempt = lastAttemptAfter(t, st.(store.Webhooks), hookID, lastAttempt)
		restarts = append(restarts, restart{w.Delivered, lastAttempt})
		require.NoError(t, st.Close())
		child := startServe(t, exe, rules, childDB, hookSrv.URL, secret)
		url.Store(child.url)
		return child
	})
	loadTook := time.Since(start)

	// Every outcome delivered: the webhook's durable cursor reaches the log's end.
	deadline := time.Now().Add(60 * time.Second)
	for {
		var hooks struct {
			Webhooks []struct {
				ID              string
				Delivered, Last int64
			}
		}
		getJSON(t, client, child.url+"/v1/webhooks", adminSecret, &hooks)
		require.Len(t, hooks.Webhooks, 1)
		if h := hooks.Webhooks[0]; h.Last > 0 && h.Delivered == h.Last {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the webhook's backlog is not delivered within a minute: %+v\n%s", hooks, child.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, child.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-child.done, "a graceful stop: %s", child.stderr.String())

	st, err = openStore(ctx, db, false)
	require.NoError(t, err)
	defer st.Close()
	log := outcomeLog(t, st)

	// Every acknowledged event has its one outcome, and the response's
	// outcomes are those of the log.
	byEvent := map[string][]store.Outcome{}
	bySeq := map[int64]store.Outcome{}
	for _, o := range log {
		out, err := engine.OutcomeOf(o)
		require.NoError(t, err)
		byEvent[out.Trigger.Event] = append(byEvent[out.Trigger.Event], o)
		bySeq[o.Seq] = o
	}
	events, retried := 0, 0
	for _, rs := range reqs {
		for _, r := range rs {
			var want []int64
			for _, id := range r.events {
				events++
				assert.Len(t, byEvent[id], 1, "event %s: one outcome", id)
				for _, o := range byEvent[id] {
					want = append(want, o.Seq)
				}
			}
			slices.Sort(want)
			// A request whose first try was stored by a process killed
			// before it answered is handled again when sent again, its
			// events seen already: its 2xx lists, all the same, exactly
			// the outcomes the log has for its events, as logged.
			if r.failed > 0 {
				retried++
			}
			got := make([]int64, len(r.got))
			for i, o := range r.got {
				got[i] = o.Seq
				if so, ok := bySeq[o.Seq]; assert.True(t, ok, "request %s: outcome %d is in the log", r.key, o.Seq) {
					logged, err := engine.OutcomeOf(so)
					require.NoError(t, err)
					wantJSON, err := json.Marshal(logged)
					require.NoError(t, err)
					gotJSON, err := json.Marshal(o)
					require.NoError(t, err)
					assert.JSONEq(t, string(wantJSON), string(gotJSON), "request %s: outcome %d as logged", r.key, o.Seq)
				}
			}
			assert.Equal(t, want, got, "request %s (%d failed tries): its 2xx lists exactly the log's outcomes of its events, in log order", r.key, r.failed)
		}
	}
	assert.GreaterOrEqual(t, events, nEvents)
	assert.Len(t, log, events, "one outcome per event, none twice")

	// Every request answered 2xx has its Idempotency-Key recorded as done,
	// those answered just before a kill included: the end is stored before
	// the answer (with the events, or after events stored before).
	for _, rs := range reqs {
		for _, r := range rs {
			got, started, err := st.StartRequest(ctx, store.Request{Scope: opKey.ID + " POST /v1/events", Key: r.key,
				Fingerprint: []byte("probe"), Started: time.Now()}, time.Time{})
			require.NoError(t, err)
			assert.False(t, started, "request %s: its key is kept", r.key)
			assert.Equal(t, http.StatusOK, got.Status, "request %s (%d failed tries): its key is done", r.key, r.failed)
		}
	}

	// The receiver took every outcome, in the order of the log.
	rc.mu.Lock()
	defer rc.mu.Unlock()
	want := make([]int64, len(log))
	for i, o := range log {
		want[i] = o.Seq
	}
	assert.Equal(t, want, rc.order, "every outcome taken once at least, in order")

	// Each process resumed at the cursor the one before it stored: its
	// first try is of the outcome after it.
	tries, err := allAttempts(ctx, st.(store.Webhooks), hookID)
	require.NoError(t, err)
	checked := 0
	for _, r := range restarts {
		for _, a := range tries {
			if a.Seq > r.lastAttempt {
				assert.Equal(t, r.cursor+1, a.Outcome, "the first try after a restart is of the outcome after the stored cursor %d", r.cursor)
				checked++
				break
			}
		}
	}
	assert.Positive(t, checked)
	t.Logf("%s: %d events in %d requests from %d clients (seed %d); killed with SIGKILL %d times (%d while the clients sent; load for %s); %d tries of a request refused or failed and sent again (%d requests answered after a failed try, each 2xx listing exactly the log's outcomes of its events); %d outcomes, each once; the webhook took all of them in order (%d deliveries taken again after a crash, %d refused with 500 and tried again), and %d restarts resumed at the stored cursor",
		name, events, int(sent.Load()-refusedTries.Load()), nClients, seed, nKills, underLoad, loadTook.Round(time.Millisecond),
		refusedTries.Load(), retried, len(log), rc.repeats, rc.refused, checked)
}

type eventsResponse struct {
	Outcomes []engine.Outcome `json:"outcomes"`
}

func postEvents(client *http.Client, url, key string, r *crashRequest) (int, eventsResponse, error) {
	var resp eventsResponse
	req, err := http.NewRequest("POST", url+"/v1/events", bytes.NewReader(r.body))
	if err != nil {
		return 0, resp, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", r.key)
	res, err := client.Do(req)
	if err != nil {
		return 0, resp, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, resp, err
	}
	if res.StatusCode == http.StatusOK {
		err = json.Unmarshal(body, &resp)
	}
	return res.StatusCode, resp, err
}

func getJSON(t *testing.T, client *http.Client, url, key string, v any) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.NoError(t, json.NewDecoder(res.Body).Decode(v))
}

// childGone waits, on PostgreSQL (app is not ""), until no session of the
// killed child (application_name app) is left on the server. The server
// finishes the command a session has received when its client dies: a
// COMMIT the child sent just before the kill may take effect after the
// child is gone, so the durable state is read only once its sessions are.
func childGone(t *testing.T, db, app string) {
	t.Helper()
	if app == "" {
		return
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	require.NoError(t, err)
	defer conn.Close(ctx)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&n))
		if n == 0 {
			return
		}
		require.True(t, time.Now().Before(deadline), "%d sessions of the killed promoc serve still on the server after 30 s", n)
		time.Sleep(10 * time.Millisecond)
	}
}

// lastAttemptAfter is the sequence number of the last try in the delivery
// log, reading it on from after.
func lastAttemptAfter(t *testing.T, w store.Webhooks, id string, after int64) int64 {
	t.Helper()
	for {
		page, err := w.WebhookAttempts(context.Background(), id, after, 1000)
		require.NoError(t, err)
		if len(page) == 0 {
			return after
		}
		after = page[len(page)-1].Seq
	}
}

func allAttempts(ctx context.Context, w store.Webhooks, id string) ([]store.WebhookAttempt, error) {
	var all []store.WebhookAttempt
	var after int64
	for {
		page, err := w.WebhookAttempts(ctx, id, after, 1000)
		if err != nil || len(page) == 0 {
			return all, err
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
}
