package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
	"github.com/promoc/promoc/runtime/tracking"
)

// trackingCrashSize is the proof's size: players (7 requests each),
// SIGKILLs, clients. CI sets PROMOC_SERVE_PROOF_FULL for the full size.
func trackingCrashSize() (players, kills, clients int) {
	if os.Getenv("PROMOC_SERVE_PROOF_FULL") != "" {
		return 3_000, 20, 16
	}
	return 160, 5, 8
}

func TestProofServeTrackingCrashSQLite(t *testing.T) {
	proveTrackingCrash(t, "SQLite", filepath.Join(t.TempDir(), "promoc.db"))
}

func TestProofServeTrackingCrashPostgres(t *testing.T) {
	proveTrackingCrash(t, "PostgreSQL", pgtest.Schema(t, "promoc serve's tracking crash proof", "serve_tracking_crash"))
}

const (
	tcOffer   = "casino"
	tcLanding = "https://casino.example/welcome"
)

// tcStep is one request of a player's script: a click (kind "") or a
// conversion, sent until it is acknowledged.
type tcStep struct {
	pub  string // a click's publisher
	conv map[string]string
	// session: the index in the script of the click whose session the
	// conversion names, or -1.
	session int
	repeat  bool // the conversion repeats an earlier one: 200, never 201
	// What the server answered.
	got     string // a click's session id
	recSeq  int64  // a conversion's seq
	recSess string // the session a conversion is attributed to
}

// tcScript is a player's requests: a click of alpha and a registration on
// it (tying it to the player), a click of beta and a first deposit on it,
// a click of alpha again (not tied to the player), a deposit naming only
// the player and the offer (the player's last tied click: beta's), and
// the registration again (a repeat, answered with the first).
func tcScript(player string) []*tcStep {
	conv := func(kind, ref, amount string) map[string]string {
		m := map[string]string{"player": player, "kind": kind, "ref": player + "-" + ref}
		if amount != "" {
			m["amount"], m["currency"] = amount, "EUR"
		}
		return m
	}
	return []*tcStep{
		{pub: "alpha"},
		{conv: conv("registration", "reg", ""), session: 0},
		{pub: "beta"},
		{conv: conv("first_deposit", "fd", "50.00"), session: 2},
		{pub: "alpha"},
		{conv: conv("deposit", "d1", "20.00"), session: -1},
		{conv: conv("registration", "reg", ""), session: 0, repeat: true},
	}
}

// proveTrackingCrash runs promoc serve on db while clients follow tracking
// links and report conversions, kills it with SIGKILL at random points and
// starts it again on the same database, the clients sending again what
// was not acknowledged. Then every click that got its redirect is stored,
// every conversion acknowledged is stored once, and the conversions are
// attributed as a sequential run of the same requests, in the order they
// were recorded, attributes them.
func proveTrackingCrash(t *testing.T, name, db string) {
	nPlayers, nKills, nClients := trackingCrashSize()
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	exe, rules := crashRuleSet(t)

	ctx := context.Background()
	st, err := openStore(ctx, db, true)
	require.NoError(t, err)
	opSecret, opKey, err := server.NewKey(server.Operator, "tracking crash proof", time.Now())
	require.NoError(t, err)
	require.NoError(t, st.AddKey(ctx, opKey))
	offer := store.Offer{Ref: tcOffer, Name: "Casino welcome", WebPage: tcLanding}
	pubs := []store.Publisher{{Ref: "alpha", Name: "Alpha Media"}, {Ref: "beta", Name: "Beta Ads"}}
	require.NoError(t, st.PutOffer(ctx, offer))
	for _, p := range pubs {
		require.NoError(t, st.(store.Tracking).PutPublisher(ctx, p))
	}
	require.NoError(t, st.Close())

	// The scripts: each client owns players and runs their scripts one
	// after the other, one request at a time.
	scripts := make([][][]*tcStep, nClients)
	for p := range nPlayers {
		c := p % nClients
		scripts[c] = append(scripts[c], tcScript(fmt.Sprintf("c%d-p%d", c, p)))
	}

	args := []string{"serve", rules, "--db", db, "--addr", "127.0.0.1:0", "--tick", "1h", "--log-format", "text"}
	child := startChild(t, exe, args)
	defer func() {
		if child.cmd.ProcessState == nil {
			child.cmd.Process.Kill()
		}
	}()
	var base atomic.Value
	base.Store(child.url)

	var clickTries, retries atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for c := range nClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, script := range scripts[c] {
				for _, s := range script {
					if !tcSend(t, client, &base, opSecret, script, s, &clickTries, &retries) {
						return
					}
				}
			}
		}()
	}

	start := time.Now()
	underLoad := killUnderLoad(t, &wg, &child, nKills, 100, 400, rng, func() *crashChild {
		child := startChild(t, exe, args)
		base.Store(child.url)
		return child
	})
	loadTook := time.Since(start)
	// The last process may have started after the clients finished: wait
	// until it is ready, so that the stop checked is of a running server.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if res, err := client.Get(child.url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		require.True(t, time.Now().Before(deadline), "promoc serve not ready within a minute\n%s", child.stderr.String())
	}
	require.NoError(t, child.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-child.done, "a graceful stop: %s", child.stderr.String())
	if t.Failed() {
		return
	}

	st, err = openStore(ctx, db, false)
	require.NoError(t, err)
	defer st.Close()
	tr := st.(store.Tracking)

	// Every click that got its redirect is stored, as sent.
	var acked []store.Session
	for _, ss := range scripts {
		for _, script := range ss {
			for _, s := range script {
				if s.pub == "" {
					continue
				}
				got, ok, err := tr.Session(ctx, s.got)
				require.NoError(t, err)
				if assert.True(t, ok, "the session %s of a redirect is stored", s.got) {
					assert.Equal(t, s.pub, got.Publisher)
					assert.Equal(t, tcOffer, got.Offer)
					acked = append(acked, got)
				}
			}
		}
	}
	// Sessions stored by a process killed before it answered are the only
	// others: at most one a try not answered.
	rows, err := tr.TrackingReport(ctx, start.Add(-time.Hour), time.Now().Add(time.Hour))
	require.NoError(t, err)
	var stored int64
	for _, r := range rows {
		stored += r.Clicks
	}
	assert.GreaterOrEqual(t, stored, int64(len(acked)), "every acknowledged click counts")
	assert.LessOrEqual(t, stored, clickTries.Load(), "no click stored twice")

	// Every acknowledged conversion is stored once, as its answer said.
	var log []store.Conversion
	for after := int64(0); ; {
		page, err := tr.Conversions(ctx, after, 1000)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		log = append(log, page...)
		after = page[len(page)-1].Seq
	}
	byRef := map[string]store.Conversion{}
	for _, cv := range log {
		_, dup := byRef[cv.AdvertiserRef]
		assert.False(t, dup, "conversion %s recorded once", cv.AdvertiserRef)
		byRef[cv.AdvertiserRef] = cv
	}
	reqs := map[string]store.ConversionRequest{}
	convs := 0
	for _, ss := range scripts {
		for _, script := range ss {
			for _, s := range script {
				if s.conv == nil {
					continue
				}
				ref := s.conv["ref"]
				cv, ok := byRef[ref]
				if !assert.True(t, ok, "conversion %s acknowledged and stored", ref) {
					continue
				}
				assert.Equal(t, cv.Seq, s.recSeq, "conversion %s: the seq of its answer", ref)
				assert.Equal(t, cv.Session, s.recSess, "conversion %s: the session of its answer", ref)
				if s.repeat {
					continue
				}
				convs++
				r := store.ConversionRequest{Player: s.conv["player"], Offer: s.conv["offer"], Kind: s.conv["kind"],
					Currency: s.conv["currency"], AdvertiserRef: ref, Window: tracking.DefaultWindow}
				r.Session = s.conv["session"]
				r.At, err = time.Parse(time.RFC3339Nano, s.conv["time"])
				require.NoError(t, err)
				if a := s.conv["amount"]; a != "" {
					r.Amount = decimal.RequireFromString(a)
				}
				reqs[ref] = r
			}
			// The deposit naming only the player goes to the last click
			// tied to the player: beta's.
			if d, ok := byRef[script[5].conv["ref"]]; ok {
				assert.Equal(t, script[2].got, d.Session, "%s: the player's last tied click", script[5].conv["ref"])
			}
		}
	}
	assert.Len(t, log, convs, "one conversion stored per conversion acknowledged, none other")

	// A sequential run: the acknowledged clicks, then the conversions one
	// at a time in the order they were recorded, on a new database.
	seqDB, err := openStore(ctx, filepath.Join(t.TempDir(), "sequential.db"), true)
	require.NoError(t, err)
	defer seqDB.Close()
	require.NoError(t, seqDB.PutOffer(ctx, offer))
	seqTr := seqDB.(store.Tracking)
	for _, p := range pubs {
		require.NoError(t, seqTr.PutPublisher(ctx, p))
	}
	for i := range acked {
		acked[i].Player = ""
	}
	require.NoError(t, seqTr.Clicks(ctx, acked))
	for _, cv := range log {
		res, err := seqTr.Convert(ctx, []store.ConversionRequest{reqs[cv.AdvertiserRef]}, nil)
		require.NoError(t, err)
		want := res[0].Conversion
		assert.Empty(t, res[0].Rejected, "conversion %s", cv.AdvertiserRef)
		assert.Equal(t, tcAttribution(want), tcAttribution(cv), "conversion %s: attributed as in a sequential run", cv.AdvertiserRef)
	}
	t.Logf("%s: %d players' scripts from %d clients (seed %d); killed with SIGKILL %d times (%d while the clients sent; load for %s); %d clicks redirected of %d tries, %d stored; %d conversions acknowledged, each stored once and attributed as in a sequential run; %d tries refused or failed and sent again",
		name, nPlayers, nClients, seed, nKills, underLoad, loadTook.Round(time.Millisecond), len(acked), clickTries.Load(), stored, len(log), retries.Load())
}

// tcAttribution is what a conversion's attribution decides.
func tcAttribution(c store.Conversion) string {
	return fmt.Sprintf("session %s offer %s publisher %s player %s kind %s amount %s %s ref %s at %s click %s sub %q",
		c.Session, c.Offer, c.Publisher, c.Player, c.Kind, c.Amount.String(), c.Currency, c.AdvertiserRef,
		c.At.UTC().Format(time.RFC3339Nano), c.Click.UTC().Format(time.RFC3339Nano), c.Sub)
}

// tcSend sends step s of script until it is acknowledged: a click by its
// redirect, a conversion by 201 (or 200, a repeat: its first try was
// recorded by a process killed before answering). Connection errors and
// 5xx (a process killed or stopping) are tried again.
func tcSend(t *testing.T, client *http.Client, base *atomic.Value, key string, script []*tcStep, s *tcStep, clickTries, retries *atomic.Int64) bool {
	if s.conv != nil {
		if s.session >= 0 {
			s.conv["session"] = script[s.session].got
		} else {
			s.conv["offer"] = tcOffer
		}
		if s.conv["time"] == "" {
			// Microseconds: PostgreSQL keeps no more.
			s.conv["time"] = time.Now().UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
		}
	}
	for {
		u := base.Load().(string)
		var req *http.Request
		var err error
		if s.conv == nil {
			clickTries.Add(1)
			req, err = http.NewRequest("GET", u+"/t/"+tcOffer+"?pub="+s.pub+"&sub1="+url.QueryEscape(script[1].conv["player"]), nil)
		} else {
			body, _ := json.Marshal(s.conv)
			req, err = http.NewRequest("POST", u+"/v1/conversions", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Content-Type", "application/json")
		}
		require.NoError(t, err)
		res, err := client.Do(req)
		var body []byte
		if err == nil {
			body, err = io.ReadAll(res.Body)
			res.Body.Close()
		}
		if err != nil || res.StatusCode >= 500 {
			retries.Add(1)
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if s.conv == nil {
			loc, err := url.Parse(res.Header.Get("Location"))
			if res.StatusCode != http.StatusFound || err != nil || loc.Query().Get("session") == "" {
				t.Errorf("click: %d %s, Location %q", res.StatusCode, body, res.Header.Get("Location"))
				return false
			}
			s.got = loc.Query().Get("session")
			return true
		}
		want := http.StatusCreated
		if res.StatusCode == http.StatusOK || s.repeat {
			want = http.StatusOK
		}
		if res.StatusCode != want {
			t.Errorf("conversion %s: %d %s", s.conv["ref"], res.StatusCode, body)
			return false
		}
		var r server.ConversionResponse
		if err := json.Unmarshal(body, &r); err != nil {
			t.Errorf("conversion %s: %v: %s", s.conv["ref"], err, body)
			return false
		}
		s.recSeq, s.recSess = r.Conversion.Seq, r.Conversion.Session
		return true
	}
}
