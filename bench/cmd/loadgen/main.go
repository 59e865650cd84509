// Command loadgen drives a real promoc serve at fixed rates and reports the
// events a second it sustained and the latency of its requests (issue 12),
// or, with -workload clicks or conversions, the tracking links' clicks and
// the conversions attributed a second (issue 14, tracking.go).
//
// It builds promoc from this repository, makes a temporary directory with
// an SQLite database, creates an operator key with promoc keys create,
// starts promoc serve on the engine workload's rule set
// (bench/campaigns/campaigns.promo; examples/affiliate for the tracking
// workloads) on a free loopback port, registers the
// players (in the six zones of bench.PlayerZones in turn, so that the rule
// set's schedule in player zone fires per zone), then runs one phase per
// rate and batch size: requests of that
// many events each, sent on a fixed schedule for -duration whatever the
// answers' latency (an open loop: a request is never held back because an
// earlier one is slow, so that the latency counts the time spent queued).
// Each request is a POST /v1/events with an Idempotency-Key, one event as
// an object or a batch as an array, as a client sends them. A request's
// latency runs from the moment the schedule says it is due to the end of
// its response: a sender late on its schedule (the machine busy) counts
// its lateness too. Every workload sends its requests with a client of
// its own (rawhttp.go), which costs the generator less than net/http's
// of the two cores it shares with the server (the events workload since
// 2026-12-07: 59 µs of the generator's CPU a request with net/http at
// 5,000 a second; -nethttp sends them so again); each phase's line on
// stderr gives the generator's CPU a request. -phases says where each
// request's time went, in the client and in the server (phases.go).
//
// Usage, in bench/:
//
//	go run ./cmd/loadgen [-rates 1000,2500,5000] [-batches 1,10,100] [-duration 20s] [-cpuprofile DIR] [-phases] [-promoc BIN] [-server-env K=V,...] [-nethttp] [-strict]
//	go run ./cmd/loadgen -workload clicks -rates 2500,5000,10000 [-duration 10s]
//	go run ./cmd/loadgen -workload conversions -rates 500,1000,2000 [-duration 10s]
//
// It prints a markdown table: per phase the offered rate, the batch, the
// requests and events a second sustained, the latency percentiles, the
// failures, the load average of the machine and the server's CPU time per
// event. With -cpuprofile, promoc is built with the build tag
// promoc_pprof and serves Go's profiles on another loopback port; a CPU
// profile of each phase is written to DIR (go tool pprof -top FILE).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/promoc/promoc/bench"
)

func main() {
	rates := flag.String("rates", "1000,2500,5000", "the offered rates, in events a second, comma-separated")
	batches := flag.String("batches", "1,10,100", "the events per request, comma-separated: each rate runs with each")
	duration := flag.Duration("duration", 20*time.Second, "how long each phase sends")
	players := flag.Int("players", 20_000, "the players, registered before the phases")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the server in each phase to this `DIR`")
	maxInFlight := flag.Int("max-in-flight", 20_000, "the most requests waiting for an answer; beyond, a phase stops as overloaded")
	conns := flag.Int("conns", 0, "the most connections to the server: more requests wait for one, as in a client's pool, and their wait counts in their latency (default 256, an API client's pool; 4096 for clicks, which come from many browsers)")
	keep := flag.Bool("keep", false, "keep the temporary directory (database, server log)")
	strict := flag.Bool("strict", false, "exit with 1 when a request failed or a phase was stopped (a check, as CI runs it at a low rate)")
	netHTTP := flag.Bool("nethttp", false, "events workload: send with net/http's client, as loadgen did before 2026-12-07, instead of its own (rawhttp.go), which costs the generator less of the cores it shares with the server")
	promoc := flag.String("promoc", "", "run this promoc `BINARY` instead of building one from the repository (an A/B of two builds under one load generator; not with -cpuprofile or -phases, which need the build tag promoc_pprof, unless it has it)")
	phases := flag.Bool("phases", false, "events workload: build promoc with the tag promoc_pprof and have it trace each request (PROMOC_TRACE_FILE), then print per phase where the slowest 1% of requests and all of them spent their time, client and server (phases.go)")
	serverEnv := flag.String("server-env", "", "set these `K=V,...` in promoc serve's environment only (not the generator's), such as GOMAXPROCS=4: an A/B of a runtime setting under one load generator")
	work := flag.String("workload", "events", "what is sent: events (POST /v1/events), clicks (GET /t/OFFER, redirects not followed) or conversions (POST /v1/conversions on sessions opened before); -batches is of events only")
	flag.Parse()
	if *work != "events" && *work != "clicks" && *work != "conversions" {
		fail(fmt.Errorf("-workload %q: expected events, clicks or conversions", *work))
	}
	rs, err := ints(*rates)
	if err != nil {
		fail(fmt.Errorf("-rates: %v", err))
	}
	bs, err := ints(*batches)
	if err != nil {
		fail(fmt.Errorf("-batches: %v", err))
	}
	env, err := envList(*serverEnv)
	if err != nil {
		fail(fmt.Errorf("-server-env: %v", err))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := start(ctx, *promoc, env, *profile != "", *work != "events", *phases && *work == "events")
	if err != nil {
		fail(err)
	}
	cleanup := func() {
		srv.stop()
		if *keep {
			fmt.Fprintf(os.Stderr, "loadgen: kept %s\n", srv.dir)
		} else {
			os.RemoveAll(srv.dir)
		}
	}
	defer cleanup()
	if *conns <= 0 {
		*conns = 256
		if *work == "clicks" {
			*conns = 4096
		}
	}
	c := newClient(srv, *conns)
	var results []result
	phase := func(w workload, rate, batch int) {
		res, err := runPhase(c, w, srv, rate, batch, *duration, *maxInFlight, *profile)
		if err != nil {
			cleanup()
			fail(err)
		}
		results = append(results, res)
		progress("  %s", res.line())
		time.Sleep(2 * time.Second) // let the server drain
	}
	switch *work {
	case "events":
		g := &generator{players: *players, rng: rand.New(rand.NewPCG(12, 13)), netHTTP: *netHTTP}
		progress("registering %d players", *players)
		if err := g.register(c); err != nil {
			cleanup()
			fail(err)
		}
		for _, rate := range rs {
			for _, batch := range bs {
				progress("phase: %d events/s in requests of %d for %s", rate, batch, *duration)
				phase(g, rate, batch)
			}
		}
	case "clicks":
		for _, rate := range rs {
			progress("phase: %d clicks/s for %s", rate, *duration)
			phase(&clicks{}, rate, 1)
		}
	case "conversions":
		for _, rate := range rs {
			cv := &conversions{}
			n := int(float64(rate) * duration.Seconds())
			progress("opening %d sessions for the phase", n)
			if err := cv.open(c, n); err != nil {
				cleanup()
				fail(err)
			}
			progress("phase: %d conversions/s for %s", rate, *duration)
			phase(cv, rate, 1)
		}
	}
	writeTable(os.Stdout, results, *duration)
	if *strict {
		for _, r := range results {
			if r.failed > 0 || r.overloaded || r.ok == 0 {
				cleanup()
				fail(fmt.Errorf("-strict: %d %s/s in requests of %d: %d of %d requests failed (%s), stopped: %v",
					r.rate, r.unit, r.batch, r.failed, r.sent, r.firstError, r.overloaded))
			}
		}
	}
}

func ints(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q: expected positive numbers separated by commas", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(1)
}

// server is a promoc serve started for the run.
type server struct {
	dir   string // the temporary directory: promoc, the database, the log
	url   string // http://127.0.0.1:PORT
	key   string // an operator key
	pprof string // http://127.0.0.1:PORT of the profiles, or ""
	trace string // the file of the server's request traces (-phases), or ""
	cmd   *exec.Cmd
	log   *os.File
}

// repoRoot finds the repository's root: the first directory up from the
// working directory whose go.mod is the module github.com/promoc/promoc.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && regexp.MustCompile(`(?m)^module github\.com/promoc/promoc\s*$`).Match(b) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the promoc repository: run loadgen in bench/")
		}
		dir = parent
	}
}

// start builds promoc, creates a key and starts promoc serve. With
// tracking, it serves examples/affiliate instead of the engine workload's
// rule set, stores the offer and the publisher of the tracking links
// (trackingSetup) and gives serve a tracking secret, so that every click
// keeps the keyed hash of its address. With phases, serve traces each
// request of events into a file (phases.go). A binary given is run as it
// is. env is added to serve's environment.
func start(ctx context.Context, binary string, env []string, profile, tracking, phases bool) (*server, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "promoc-loadgen-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir}
	bin := filepath.Join(dir, "promoc")
	build := []string{"build", "-o", bin}
	if profile || phases {
		build = append(build, "-tags", "promoc_pprof")
	}
	if binary != "" {
		b, err := os.ReadFile(binary)
		if err == nil {
			err = os.WriteFile(bin, b, 0o755)
		}
		if err != nil {
			return nil, fmt.Errorf("-promoc: %v", err)
		}
		progress("running %s", binary)
	} else {
		progress("building promoc (go %s)", strings.Join(append(build, "./cmd/promoc"), " "))
		cmd := exec.CommandContext(ctx, "go", append(build, "./cmd/promoc")...)
		cmd.Dir, cmd.Stderr = root, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("building promoc: %v", err)
		}
	}
	rules := filepath.Join(dir, "rules")
	if tracking {
		rules = filepath.Join(root, "examples", "affiliate") // its payouts price every conversion
	} else if err := copyRules(root, rules); err != nil {
		return nil, err
	}
	db := filepath.Join(dir, "promoc.db")
	out, err := exec.CommandContext(ctx, bin, "keys", "create", "--role", "operator", "--db", db).Output()
	if err != nil {
		return nil, fmt.Errorf("promoc keys create: %v", err)
	}
	s.key = strings.TrimSpace(string(out))
	if tracking {
		if err := trackingSetup(ctx, bin, db); err != nil {
			return nil, err
		}
	}
	if s.log, err = os.Create(filepath.Join(dir, "serve.log")); err != nil {
		return nil, err
	}
	args := []string{"serve", rules, "--db", db, "--addr", "127.0.0.1:0", "--log-format", "json"}
	if tracking {
		// Clients' addresses kept as keyed hashes, as a deployment that
		// counts unique clicks keeps them.
		secret := filepath.Join(dir, "tracking.secret")
		if err := os.WriteFile(secret, []byte("loadgen's tracking secret, 32 B"), 0o600); err != nil {
			return nil, err
		}
		args = append(args, "--tracking-secret-file", secret)
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stderr = s.log
	s.cmd.Env = append(os.Environ(), env...)
	if phases {
		s.trace = filepath.Join(dir, "trace.log")
		s.cmd.Env = append(s.cmd.Env, "PROMOC_TRACE_FILE="+s.trace)
	}
	if profile {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s.pprof = "http://127.0.0.1:" + port
		s.cmd.Env = append(s.cmd.Env, "PROMOC_PPROF_ADDR=127.0.0.1:"+port)
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	// "promoc serve: listening on http://127.0.0.1:PORT"
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "promoc serve: listening on "); ok {
				found <- u
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			s.stop()
			return nil, fmt.Errorf("promoc serve stopped before listening: see %s", s.log.Name())
		}
		s.url = u
	case <-time.After(2 * time.Minute):
		s.stop()
		return nil, errors.New("promoc serve did not listen within 2 minutes")
	}
	for range 100 {
		if r, err := http.Get(s.url + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				progress("promoc serve ready on %s", s.url)
				return s, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.stop()
	return nil, errors.New("promoc serve never ready")
}

// copyRules copies the engine workload's rule set into dir.
func copyRules(root, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	src, err := os.ReadFile(filepath.Join(root, "bench", "campaigns", "campaigns.promo"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "campaigns.promo"), src, 0o644)
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

// stop stops the server as SIGTERM does, and waits for it.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
	s.log.Close()
}

// cpu returns the server process's CPU time (user and system) so far.
func (s *server) cpu() time.Duration {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command's name, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // clock ticks: 100 a second on Linux
}

// selfCPU returns this process's CPU time (user and system) so far: the
// generator's share of the cores it shares with the server.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// generator makes the events: players' deposits, bets, wins and logins,
// with the amounts and games of the engine workload (bench.Stream), each
// at the time it is due to be sent.
type generator struct {
	players int
	rng     *rand.Rand
	n       int  // events made so far: the next id
	netHTTP bool // send with net/http's client, not rawClient
}

var (
	games    = []string{"Gold Quest", "Book of Ra", "Starburst", "Lightning Roulette", "Blackjack VIP", "Crazy Time"}
	stakes   = []string{"0.20", "0.50", "1.00", "2.00", "5.00", "10.00", "25.00"}
	deposits = []string{"20.00", "50.00", "100.00", "150.00", "250.00", "500.00", "1000.00"}
)

// register sends a player event for every player, in batches of 500.
func (g *generator) register(c *client) error {
	at := time.Now().Add(-time.Minute)
	for p := 0; p < g.players; p += 500 {
		var evs []map[string]any
		for i := p; i < min(p+500, g.players); i++ {
			evs = append(evs, registration(i, at))
		}
		body, _ := json.Marshal(evs)
		status, resp, err := c.post(context.Background(), body, "register-"+strconv.Itoa(p))
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("registering players: %d %s", status, resp)
		}
	}
	return nil
}

func player(i int) string { return "p" + strconv.Itoa(i) }

// registration is the player event of player i: its zone one of the six of
// the engine's benchmark (bench.PlayerZones) in turn, so that a schedule in
// player zone (the rule set's Monday campaign) fires once per zone, as it
// would for an operator's players, not once for all.
func registration(i int, at time.Time) map[string]any {
	return map[string]any{"id": "reg-" + strconv.Itoa(i), "player": player(i), "kind": "player",
		"time": at.Format(time.RFC3339Nano), "currency": "EUR", "zone": bench.PlayerZones[i%len(bench.PlayerZones)],
		"properties": map[string]any{"vip_level": i % 5, "country": "MT"}}
}

// body returns the JSON of a request of n events due at at: one object
// when n is 1, else an array.
func (g *generator) body(n int, at time.Time) []byte {
	var b bytes.Buffer
	if n > 1 {
		b.WriteByte('[')
	}
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		id := "e" + strconv.Itoa(g.n)
		g.n++
		u := g.rng.Float64()
		p := player(int(float64(g.players) * u * u)) // a few players are much busier
		t := at.Add(time.Duration(i) * time.Microsecond).UTC().Format(time.RFC3339Nano)
		fmt.Fprintf(&b, `{"id":%q,"player":%q,"time":%q,`, id, p, t)
		switch k := g.rng.IntN(100); {
		case k < 62:
			fmt.Fprintf(&b, `"kind":"bet","amount":%s,"game":%q}`, stakes[g.rng.IntN(len(stakes))], games[g.rng.IntN(len(games))])
		case k < 84:
			fmt.Fprintf(&b, `"kind":"win","amount":%s,"game":%q}`, stakes[g.rng.IntN(len(stakes))], games[g.rng.IntN(len(games))])
		case k < 92:
			m := []string{"card", "card", "bank", "crypto"}[g.rng.IntN(4)]
			fmt.Fprintf(&b, `"kind":"deposit","amount":%s,"method":%q}`, deposits[g.rng.IntN(len(deposits))], m)
		default:
			b.WriteString(`"kind":"login"}`)
		}
	}
	if n > 1 {
		b.WriteByte(']')
	}
	return b.Bytes()
}

// client posts events to the server, keeping its connections; the
// tracking workloads send theirs with raw (rawhttp.go).
type client struct {
	s    *server
	http *http.Client
	raw  *rawClient
}

// newClient keeps up to conns connections alive; it never follows a
// redirect (a click's 302 is the answer measured).
func newClient(s *server, conns int) *client {
	tr := &http.Transport{MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute, DisableCompression: true}
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{s: s, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute, CheckRedirect: noRedirect},
		raw: newRawClient(strings.TrimPrefix(s.url, "http://"), s.key, conns)}
}

// post sends events with an Idempotency-Key.
func (c *client) post(ctx context.Context, body []byte, key string) (int, []byte, error) {
	return c.do(ctx, "POST", "/v1/events", body, key)
}

// do sends a request of the operator's key, a JSON body when not nil and
// an Idempotency-Key when not "", and reads its answer.
func (c *client) do(ctx context.Context, method, path string, body []byte, key string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.s.url+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.s.key)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// workload makes the requests of a phase.
type workload interface {
	// unit names what the rate counts: events, clicks, conversions.
	unit() string
	// prepare makes the n requests of a phase, each of batch units, the
	// i-th due at start + i*interval, and returns the function that sends
	// the i-th and tells whether its answer acknowledged it.
	prepare(c *client, n, batch int, start time.Time, interval time.Duration, tag string) (send func(ctx context.Context, i int) (ok bool, status int, body []byte, err error))
}

func (g *generator) unit() string { return "events" }

// prepare makes the events' bodies, each with its time when due; a 2xx
// acknowledges a request.
func (g *generator) prepare(c *client, n, batch int, start time.Time, interval time.Duration, tag string) func(context.Context, int) (bool, int, []byte, error) {
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = g.body(batch, start.Add(time.Duration(i)*interval))
	}
	return func(ctx context.Context, i int) (bool, int, []byte, error) {
		key := "load-" + tag + "-" + strconv.Itoa(i)
		if g.netHTTP {
			st, body, err := c.post(ctx, bodies[i], key)
			return err == nil && st/100 == 2, st, body, err
		}
		resp, err := c.raw.do(ctx, "POST", "/v1/events", bodies[i], key)
		return err == nil && resp.status/100 == 2, resp.status, resp.body, err
	}
}

// result is one phase's measurement.
type result struct {
	unit             string // events, clicks, conversions
	rate, batch      int
	sent, ok, failed int           // requests
	events           int           // units acknowledged
	took             time.Duration // from the first request due to the last answer
	lat              []time.Duration
	overloaded       bool // stopped at -max-in-flight
	firstError       string
	loadBefore       string
	loadAfter        string
	serverCPU        time.Duration
	selfCPU          time.Duration   // the generator's own (this process's)
	late             []time.Duration // of every request sent: from when it was due to when its sending began, sorted
	profile          string
	phases           string // where the time went (-phases), or ""
}

func (r result) eventsPerSec() float64 { return float64(r.events) / r.took.Seconds() }

func (r result) pct(p float64) time.Duration { return pct(r.lat, p) }

// pct is the p-th percentile of sorted durations.
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// punctual is a workload whose requests are sent when due to within
// Linux's timer slack (about 50 µs; punctualSleep) rather than Go's
// timers': a time.Sleep of less than a millisecond sleeps about a
// millisecond when the process is otherwise idle (Go's poller waits in
// whole milliseconds), so that the requests left in bursts up to a
// millisecond late (p50 0.55 ms, p90 1 ms at 10,000 a second), and that
// lateness counts in each one's latency. It costs the generator more CPU:
// a wake-up of its own for each request, 20 to 30 µs of CPU each on this
// virtual machine (time.Sleep's about 4 µs a request). The events
// workload keeps time.Sleep, so that its numbers stay comparable with
// those before. Each phase's line gives the lateness of its requests.
type punctual interface{ punctual() }

func (r result) line() string {
	return fmt.Sprintf("%d requests, %d failed; %.0f %s/s; p50 %v p99 %v p99.9 %v; load %s; generator CPU %v a request, its lateness p50 %v p99 %v",
		r.sent, r.failed, r.eventsPerSec(), r.unit, r.pct(50), r.pct(99), r.pct(99.9), r.loadAfter, (r.selfCPU / time.Duration(max(r.sent, 1))).Round(time.Microsecond/10),
		pct(r.late, 50).Round(time.Microsecond), pct(r.late, 99).Round(time.Microsecond))
}

// runPhase sends requests of batch units of w at rate units a second for d.
func runPhase(c *client, w workload, s *server, rate, batch int, d time.Duration, maxInFlight int, profileDir string) (result, error) {
	res := result{unit: w.unit(), rate: rate, batch: batch}
	interval := time.Duration(float64(time.Second) * float64(batch) / float64(rate))
	n := int(d / interval)
	if n == 0 {
		return res, fmt.Errorf("%s is shorter than one request of %d %s at %d a second", d, batch, res.unit, rate)
	}
	// The requests are made before the phase, with times set when due.
	start := time.Now().Add(500 * time.Millisecond)
	send := w.prepare(c, n, batch, start, interval, fmt.Sprintf("%d-%d", rate, batch))
	if time.Now().After(start) {
		start = time.Now().Add(100 * time.Millisecond) // making the bodies took long: the times are a little early, which the server accepts
	}
	prof := make(chan error, 1)
	if profileDir != "" {
		res.profile = filepath.Join(profileDir, fmt.Sprintf("cpu-%s-rate%d-batch%d.pprof", res.unit, rate, batch))
		go func() { prof <- fetchProfile(s.pprof, d, res.profile) }()
	}
	res.loadBefore = loadavg()
	cpu0, self0 := s.cpu(), selfCPU()
	lat := make([]time.Duration, n)
	acked := make([]bool, n)
	var inFlight atomic.Int64
	var wg sync.WaitGroup
	var errMu sync.Mutex
	ctx := context.Background()
	sleep := time.Sleep
	if _, ok := w.(punctual); ok {
		sleep = punctualSleep
	}
	late := make([]time.Duration, n)
	sent := 0
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if w := time.Until(due); w > 0 {
			sleep(w)
		}
		if inFlight.Load() >= int64(maxInFlight) {
			res.overloaded = true
			break
		}
		inFlight.Add(1)
		wg.Add(1)
		sent++
		go func(i int, due time.Time) {
			defer wg.Done()
			defer inFlight.Add(-1)
			late[i] = time.Since(due)
			ok, st, body, err := send(ctx, i)
			lat[i] = time.Since(due)
			acked[i] = ok
			if !ok && res.firstError == "" {
				errMu.Lock()
				if res.firstError == "" {
					if err != nil {
						res.firstError = err.Error()
					} else {
						res.firstError = fmt.Sprintf("%d %s", st, bytes.TrimSpace(body))
					}
				}
				errMu.Unlock()
			}
		}(i, due)
	}
	wg.Wait()
	res.took = time.Since(start)
	res.serverCPU = s.cpu() - cpu0
	res.selfCPU = selfCPU() - self0
	res.loadAfter = loadavg()
	res.sent = sent
	for i := range sent {
		if acked[i] {
			res.ok++
			res.events += batch
			res.lat = append(res.lat, lat[i])
		} else {
			res.failed++
		}
	}
	if s.trace != "" {
		time.Sleep(300 * time.Millisecond) // serve writes its traces every 100 ms
		tag := fmt.Sprintf("load-%d-%d-", rate, batch)
		var err error
		if res.phases, err = breakdown(s.trace, tag, start, interval, late[:sent], lat[:sent], acked[:sent]); err != nil {
			progress("phases: %v", err)
		}
	}
	slices.Sort(res.lat)
	res.late = late[:sent]
	slices.Sort(res.late)
	if profileDir != "" {
		if err := <-prof; err != nil {
			progress("profile: %v", err)
			res.profile = ""
		}
	}
	return res, nil
}

// fetchProfile writes a CPU profile of the server over d to file.
func fetchProfile(base string, d time.Duration, file string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	secs := max(1, int(d.Seconds()))
	resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, secs))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s", resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// envList reads -server-env: K=V pairs, comma-separated.
func envList(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var env []string
	for _, kv := range strings.Split(s, ",") {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("%q: expected NAME=VALUE", kv)
		}
		env = append(env, kv)
	}
	return env, nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func writeTable(w io.Writer, rs []result, d time.Duration) {
	fmt.Fprintf(w, "Measured %s, %s each phase, promoc serve on SQLite (a file in a temporary directory), loopback HTTP.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), d)
	unit := "events"
	if len(rs) > 0 {
		unit = rs[0].unit
	}
	one := strings.TrimSuffix(unit, "s")
	fmt.Fprintf(w, "| offered %s/s | %s a request | requests/s | sustained %s/s | p50 | p99 | p99.9 | max | failed | server CPU per %s | load average before → after |\n", unit, unit, unit, one)
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range rs {
		failed := strconv.Itoa(r.failed)
		if r.overloaded {
			failed += " (stopped: too many in flight)"
		}
		if r.firstError != "" {
			failed += ": " + strings.ReplaceAll(truncate(r.firstError, 120), "|", "\\|")
		}
		cpu := "?"
		if r.events > 0 && r.serverCPU > 0 {
			cpu = (r.serverCPU / time.Duration(r.events)).Round(time.Microsecond / 10).String()
		}
		fmt.Fprintf(w, "| %d | %d | %.0f | %.0f | %s | %s | %s | %s | %s | %s | %s → %s |\n",
			r.rate, r.batch, float64(r.ok)/r.took.Seconds(), r.eventsPerSec(), ms(r.pct(50)), ms(r.pct(99)), ms(r.pct(99.9)), ms(r.pct(100)),
			failed, cpu, r.loadBefore, r.loadAfter)
	}
	for _, r := range rs {
		if r.phases != "" {
			fmt.Fprintf(w, "\nWhere the time went, %d %s/s in requests of %d (mean ms a request):\n\n%s", r.rate, r.unit, r.batch, r.phases)
		}
	}
	for _, r := range rs {
		if r.profile != "" {
			fmt.Fprintf(w, "\nCPU profile of the server, %d %s/s in requests of %d: %s", r.rate, r.unit, r.batch, r.profile)
		}
	}
	fmt.Fprintln(w)
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
