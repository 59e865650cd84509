package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
	"github.com/promoc/promoc/runtime/tracking"
)

// envTrackingDB is the database of the tracking child.
const envTrackingDB = "PROMOC_SERVER_TRACKING_DB"

// trackingChild serves the payouts of examples/affiliate on the SQLite
// database of envTrackingDB on a free loopback port, prints its URL, and
// serves until it is killed.
func trackingChild() error {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, os.Getenv(envTrackingDB))
	if err != nil {
		return err
	}
	prog, err := runtime.Compile(os.DirFS("../../examples/affiliate"))
	if err != nil {
		return err
	}
	srv, err := server.New(ctx, server.Config{Program: prog, Store: st, Tracking: tracking.Config{Secret: []byte("crash test secret")}})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("url http://%s\n", ln.Addr())
	return srv.Serve(ctx, ln)
}

// TestTrackingCrash kills promoc serve (kill -9) while 16 clients send
// clicks and conversions, then checks that every click answered with a
// redirect and every conversion answered 201 is in the database.
func TestTrackingCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "promoc.db")
	st, err := sqlite.Open(ctx, db)
	require.NoError(t, err)
	require.NoError(t, st.PutOffer(ctx, store.Offer{Ref: "casino", WebPage: "https://casino.example/join"}))
	require.NoError(t, st.PutPublisher(ctx, store.Publisher{Ref: "alpha", Created: t0}))
	secret, k, err := server.NewKey(server.Operator, "crash", t0)
	require.NoError(t, err)
	require.NoError(t, st.AddKey(ctx, k))
	require.NoError(t, st.Close())

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"=tracking", envTrackingDB+"="+db)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	base := strings.TrimSpace(strings.TrimPrefix(line, "url "))

	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	var mu sync.Mutex
	var clicks, convs []string
	var acked atomic.Int64
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				resp, err := client.Get(base + "/t/casino?pub=alpha&sub1=w" + fmt.Sprint(w))
				if err != nil {
					return // the server is gone
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusFound {
					t.Errorf("click: %s", resp.Status)
					return
				}
				u, err := url.Parse(resp.Header.Get("Location"))
				if err != nil {
					t.Error(err)
					return
				}
				id := u.Query().Get("session")
				mu.Lock()
				clicks = append(clicks, id)
				mu.Unlock()
				acked.Add(1)
				body, _ := json.Marshal(map[string]string{"session": id, "player": fmt.Sprintf("w%d-p%d", w, i), "kind": "registration"})
				req, _ := http.NewRequest("POST", base+"/v1/conversions", strings.NewReader(string(body)))
				req.Header.Set("Authorization", "Bearer "+secret)
				req.Header.Set("Content-Type", "application/json")
				resp, err = client.Do(req)
				if err != nil {
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					t.Errorf("conversion: %s", resp.Status)
					return
				}
				mu.Lock()
				convs = append(convs, id)
				mu.Unlock()
				acked.Add(1)
			}
		}()
	}
	deadline := time.Now().Add(time.Minute)
	for acked.Load() < 600 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Kill(), "kill -9")
	cmd.Wait()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, clicks)
	t.Logf("killed after %d clicks and %d conversions acknowledged", len(clicks), len(convs))

	st, err = sqlite.Open(ctx, db)
	require.NoError(t, err)
	defer st.Close()
	for _, id := range clicks {
		_, ok, err := st.Session(ctx, id)
		require.NoError(t, err)
		assert.True(t, ok, "acknowledged click %s lost", id)
	}
	stored, err := st.Conversions(ctx, 0, 1_000_000)
	require.NoError(t, err)
	have := map[string]store.Conversion{}
	for _, c := range stored {
		have[c.Session] = c
	}
	for _, id := range convs {
		c, ok := have[id]
		if assert.True(t, ok, "acknowledged conversion of %s lost", id) {
			assert.Equal(t, "25.00", c.Payout.StringFixed(2), "priced by registration_cpa")
		}
	}
}
