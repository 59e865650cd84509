// Command trackgen drives a real promoc serve with tracking links and
// conversion reports at fixed rates and reports the requests a second it
// sustained and their latency (issue 14).
//
// It builds promoc from this repository, makes a temporary directory with
// an SQLite database, stores the offer "casino" (a landing page) and the
// publisher "alpha" with promoc offers add and promoc publishers add,
// creates an operator key, and starts promoc serve on examples/affiliate
// (its payouts price every conversion) on a free loopback port. Then it
// runs one phase per rate: first the clicks (GET /t/casino?pub=alpha&sub1=N,
// answered by a 302 once the session is stored), then the conversions
// (POST /v1/conversions, a registration naming a session of the click
// phase and a new player, attributed, priced and stored before the 201).
// Requests are sent on a fixed schedule for -duration whatever the
// answers' latency (an open loop), so that a request's latency runs from
// the moment it was due to the end of its response and counts the time it
// waited.
//
// Usage, in bench/:
//
//	go run ./cmd/trackgen [-clicks 2000,5000,10000] [-conversions 500,1000,2000] [-duration 10s]
//
// It prints a markdown table: per phase the offered rate, the requests a
// second answered as expected, the latency percentiles, the failures and
// the machine's load average.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	clickRates := flag.String("clicks", "2000,5000,10000", "the offered rates of clicks, a second, comma-separated")
	convRates := flag.String("conversions", "500,1000,2000", "the offered rates of conversions, a second, comma-separated")
	duration := flag.Duration("duration", 10*time.Second, "how long each phase sends")
	conns := flag.Int("conns", 256, "the most connections to the server")
	maxInFlight := flag.Int("max-in-flight", 20_000, "the most requests waiting for an answer; beyond, a phase stops as overloaded")
	keep := flag.Bool("keep", false, "keep the temporary directory (database, server log)")
	flag.Parse()
	cr, err := ints(*clickRates)
	if err != nil {
		fail(fmt.Errorf("-clicks: %v", err))
	}
	vr, err := ints(*convRates)
	if err != nil {
		fail(fmt.Errorf("-conversions: %v", err))
	}
	s, err := start()
	if err != nil {
		fail(err)
	}
	defer func() {
		s.stop()
		if !*keep {
			os.RemoveAll(s.dir)
		} else {
			fmt.Fprintf(os.Stderr, "kept %s\n", s.dir)
		}
	}()
	client := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{MaxConnsPerHost: *conns, MaxIdleConnsPerHost: *conns}}
	var results []result
	var sessions []string
	var mu sync.Mutex
	var seq atomic.Int64
	for _, rate := range cr {
		progress("clicks at %d/s for %s", rate, *duration)
		r := run(fmt.Sprintf("clicks at %d/s", rate), rate, *duration, *maxInFlight, func() error {
			n := seq.Add(1)
			resp, err := client.Get(s.url + "/t/casino?pub=alpha&sub1=b" + strconv.FormatInt(n, 10))
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound {
				return fmt.Errorf("click: %s", resp.Status)
			}
			u, err := url.Parse(resp.Header.Get("Location"))
			if err != nil {
				return err
			}
			mu.Lock()
			sessions = append(sessions, u.Query().Get("session"))
			mu.Unlock()
			return nil
		})
		results = append(results, r)
	}
	var next atomic.Int64
	for _, rate := range vr {
		progress("conversions at %d/s for %s", rate, *duration)
		r := run(fmt.Sprintf("conversions at %d/s", rate), rate, *duration, *maxInFlight, func() error {
			i := next.Add(1) - 1
			mu.Lock()
			if int(i) >= len(sessions) {
				mu.Unlock()
				return errors.New("no session left: run more clicks")
			}
			id := sessions[i]
			mu.Unlock()
			body, _ := json.Marshal(map[string]string{"session": id, "player": "p" + strconv.FormatInt(i, 10), "kind": "registration"})
			req, _ := http.NewRequest("POST", s.url+"/v1/conversions", strings.NewReader(string(body)))
			req.Header.Set("Authorization", "Bearer "+s.key)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				return fmt.Errorf("conversion: %s: %s", resp.Status, b)
			}
			return nil
		})
		results = append(results, r)
	}
	writeTable(os.Stdout, results, *duration)
}

// result is what one phase measured.
type result struct {
	name      string
	offered   int
	ok, fails int
	firstErr  string
	took      time.Duration
	lat       []time.Duration
	overload  bool
	load      string
}

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(p*float64(len(r.lat))))]
}

// run sends do at rate a second for d on a fixed schedule, each call in
// a goroutine of its own; a call's latency runs from when it was due.
func run(name string, rate int, d time.Duration, maxInFlight int, do func() error) result {
	r := result{name: name, offered: rate}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var inFlight atomic.Int64
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	total := int(d.Seconds() * float64(rate))
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		if w := time.Until(due); w > 0 {
			time.Sleep(w)
		}
		if inFlight.Load() >= int64(maxInFlight) {
			r.overload = true
			break
		}
		inFlight.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer inFlight.Add(-1)
			err := do()
			took := time.Since(due)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				r.fails++
				if r.firstErr == "" {
					r.firstErr = err.Error()
				}
				return
			}
			r.ok++
			r.lat = append(r.lat, took)
		}()
	}
	wg.Wait()
	r.took = time.Since(start)
	slices.Sort(r.lat)
	r.load = loadavg()
	return r
}

type server struct {
	dir, url, key string
	cmd           *exec.Cmd
	log           *os.File
}

func start() (*server, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "promoc-trackgen-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir}
	bin := filepath.Join(dir, "promoc")
	progress("building promoc")
	build := exec.Command("go", "build", "-o", bin, "./cmd/promoc")
	build.Dir, build.Stderr = root, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("building promoc: %v", err)
	}
	db := filepath.Join(dir, "promoc.db")
	for _, args := range [][]string{
		{"offers", "add", "casino", "--web-page", "https://casino.example/join", "--db", db},
		{"publishers", "add", "alpha", "--db", db},
	} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("promoc %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	out, err := exec.Command(bin, "keys", "create", "--role", "operator", "--db", db).Output()
	if err != nil {
		return nil, fmt.Errorf("promoc keys create: %v", err)
	}
	s.key = strings.TrimSpace(string(out))
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("a tracking secret of the benchmark"), 0o600); err != nil {
		return nil, err
	}
	if s.log, err = os.Create(filepath.Join(dir, "serve.log")); err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, "serve", filepath.Join(root, "examples", "affiliate"), "--db", db, "--addr", "127.0.0.1:0",
		"--tracking-secret-file", secret)
	s.cmd.Stderr = s.log
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
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
	progress("promoc serve on %s", s.url)
	return s, nil
}

func (s *server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			s.cmd.Process.Kill()
			<-done
		}
	}
	if s.log != nil {
		s.log.Close()
	}
}

// repoRoot is the repository: the parent of the bench module.
func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "cmd", "promoc")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("run trackgen in the repository (bench/)")
}

func writeTable(w io.Writer, rs []result, d time.Duration) {
	fmt.Fprintf(w, "| phase | offered/s | answered/s | p50 | p99 | p99.9 | max | failures | load average (1, 5, 15 min) |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		fails := strconv.Itoa(r.fails)
		if r.firstErr != "" {
			fails += ": " + truncate(r.firstErr, 60)
		}
		if r.overload {
			fails += " (overloaded: stopped)"
		}
		fmt.Fprintf(w, "| %s | %d | %.0f | %s | %s | %s | %s | %s | %s |\n", r.name, r.offered, float64(r.ok)/r.took.Seconds(),
			ms(r.pct(0.5)), ms(r.pct(0.99)), ms(r.pct(0.999)), ms(r.pct(1)), fails, r.load)
	}
	fmt.Fprintf(w, "\n%s a phase; latency from when a request was due to the end of its response.\n", d)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], ", ")
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q: expected positive integers, comma-separated", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "trackgen: "+format+"\n", args...)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "trackgen: %v\n", err)
	os.Exit(1)
}
