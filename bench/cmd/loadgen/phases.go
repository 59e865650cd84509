package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// phaseNames are the parts of a request's latency that -phases tells
// apart, in order: the generator's lateness, the way to the server's
// handler (the client's pool and connection, the loopback, the server
// reading the headers), then the server's marks (server.RequestTrace),
// then the way back to the client's having read the answer.
var phaseNames = []string{
	"late",     // due → the generator began sending
	"to serve", // → the server's handler began
	"auth",     // → the API key found
	"body",     // → the body read
	"key",      // → the Idempotency-Key started (a store transaction, grouped)
	"decode",   // → the events decoded
	"queue",    // → its group cut and submitted (waiting in the batcher)
	"decide",   // → the engine took it (deciding; waiting for a place)
	"write",    // → its group's transaction committed
	"answer",   // → the batcher answered the request
	"respond",  // → the response encoded, written and flushed
	"back",     // → the client read the answer
}

// traced is one request as both sides saw it: the end of each phase, in
// time since it was due.
type traced struct {
	total    time.Duration
	ends     []time.Duration // one per phaseNames
	group    int
	keyGroup int
}

// breakdown reads serve's traces (cmd/promoc/trace.go) of the requests
// whose Idempotency-Key starts with tag, lines them up with the client's
// times (the i-th request due at start + i*interval, its sending begun
// late[i] after, its answer read lat[i] after) and writes a table of the
// mean time of each phase, of the slowest 1% of the requests
// acknowledged and of all of them.
func breakdown(file, tag string, start time.Time, interval time.Duration, late, lat []time.Duration, acked []bool) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var reqs []traced
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 13 || !strings.HasPrefix(fs[0], tag) {
			continue
		}
		i, err := strconv.Atoi(strings.TrimPrefix(fs[0], tag))
		if err != nil || i < 0 || i >= len(lat) || !acked[i] {
			continue
		}
		var n [12]int64
		for j := range n {
			if n[j], err = strconv.ParseInt(fs[j+1], 10, 64); err != nil {
				return "", fmt.Errorf("%s: %q: %v", file, sc.Text(), err)
			}
		}
		due := start.Add(time.Duration(i) * interval)
		began := time.Unix(0, n[0]).Sub(due) // the server's handler, since due
		t := traced{total: lat[i], group: int(n[10]), keyGroup: int(n[11])}
		t.ends = append(t.ends, late[i], began)
		prev := began
		for _, m := range n[1:10] {
			end := prev
			if m > 0 { // a mark not reached (a path without it) takes no time
				end = began + time.Duration(m)
			}
			t.ends = append(t.ends, end)
			prev = end
		}
		t.ends = append(t.ends, lat[i])
		reqs = append(reqs, t)
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	if len(reqs) == 0 {
		return "", fmt.Errorf("%s: no trace of requests %s*", file, tag)
	}
	slices.SortFunc(reqs, func(a, b traced) int { return int(b.total - a.total) })
	slowest := reqs[:max(1, len(reqs)/100)]
	var b strings.Builder
	fmt.Fprintf(&b, "| requests | total | %s | events a group | keys a group |\n", strings.Join(phaseNames, " | "))
	fmt.Fprintf(&b, "|---|---:|%s---:|---:|\n", strings.Repeat("---:|", len(phaseNames)))
	for _, row := range []struct {
		name string
		rs   []traced
	}{{fmt.Sprintf("slowest 1%% (%d)", len(slowest)), slowest}, {fmt.Sprintf("all (%d)", len(reqs)), reqs}} {
		sums := make([]time.Duration, len(phaseNames))
		var total time.Duration
		var group, keys int
		for _, t := range row.rs {
			prev := time.Duration(0)
			for j, end := range t.ends {
				sums[j] += end - prev
				prev = end
			}
			total += t.total
			group += t.group
			keys += t.keyGroup
		}
		n := time.Duration(len(row.rs))
		fmt.Fprintf(&b, "| %s | %s |", row.name, msf(total/n))
		for _, d := range sums {
			fmt.Fprintf(&b, " %s |", msf(d/n))
		}
		fmt.Fprintf(&b, " %.1f | %.1f |\n", float64(group)/float64(len(row.rs)), float64(keys)/float64(len(row.rs)))
	}
	return b.String(), nil
}

// msf is d in milliseconds, two decimals.
func msf(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64)
}
