package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The tracking workloads (issue 14): clicks on one offer's tracking link,
// and conversions reported on the sessions those clicks opened.
const (
	trackOffer     = "casino"
	trackPublisher = "alpha"
	trackLanding   = "https://casino.example/welcome"
)

// trackingSetup stores the offer, with its web page, and the publisher of
// the tracking links in the database before promoc serve starts, as an
// operator does with the command line.
func trackingSetup(ctx context.Context, bin, db string) error {
	for _, args := range [][]string{
		{"offers", "add", trackOffer, "--name", "Casino welcome", "--web-page", trackLanding, "--db", db},
		{"publishers", "add", trackPublisher, "--name", "Alpha Media", "--db", db},
	} {
		if out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("promoc %s %s: %v\n%s", args[0], args[1], err, out)
		}
	}
	return nil
}

// clickPath is the tracking link of the i-th click: the publisher and two
// sub ids, as an ad network fills them in.
func clickPath(tag string, i int) string {
	return "/t/" + trackOffer + "?pub=" + trackPublisher + "&sub1=" + url.QueryEscape("load-"+tag) + "&sub2=c" + strconv.Itoa(i)
}

// click follows a tracking link once and returns the session id of its
// redirect: ok only for a 302 to the landing page with session=ID.
func (c *client) click(ctx context.Context, path string) (session string, ok bool, status int, body []byte, err error) {
	resp, err := c.raw.do(ctx, "GET", path, nil, "")
	if err != nil || resp.status != http.StatusFound {
		return "", false, resp.status, resp.body, err
	}
	// The landing page has no query: the redirect is it with the session
	// id, 32 hex digits, alone in the query (checked without parsing the
	// URL, which cost the generator more than the check).
	loc := resp.location
	session, found := strings.CutPrefix(loc, trackLanding+"?session=")
	if !found || !sessionID(session) {
		return "", false, resp.status, []byte("Location: " + loc), nil
	}
	return session, true, resp.status, resp.body, nil
}

// sessionID reports whether s is a session id: 32 lower-case hex digits.
func sessionID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := range len(s) {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// clicks is the click workload: GET /t/OFFER, each answered by a 302 with
// its session (the latency is the redirect's).
type clicks struct{}

func (*clicks) unit() string { return "clicks" }
func (*clicks) punctual()    {}

func (*clicks) prepare(c *client, n, _ int, _ time.Time, _ time.Duration, tag string) func(context.Context, int) (bool, int, []byte, error) {
	return func(ctx context.Context, i int) (bool, int, []byte, error) {
		_, ok, st, body, err := c.click(ctx, clickPath(tag, i))
		return ok, st, body, err
	}
}

// conversions is the conversion workload: POST /v1/conversions, one per
// session opened before the phase (open), each answered 201 once recorded
// and attributed.
type conversions struct {
	sessions []string
}

func (*conversions) unit() string { return "conversions" }
func (*conversions) punctual()    {}

// open opens n sessions with clicks from 64 clients at once, as fast as
// the server answers.
func (cv *conversions) open(c *client, n int) error {
	cv.sessions = make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				s, ok, st, body, err := c.click(context.Background(), clickPath("open", i))
				if !ok {
					errs <- fmt.Errorf("opening session %d: %d %s %v", i, st, body, err)
					return
				}
				cv.sessions[i] = s
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func (cv *conversions) prepare(c *client, n, _ int, start time.Time, interval time.Duration, tag string) func(context.Context, int) (bool, int, []byte, error) {
	bodies := make([][]byte, n)
	for i := range bodies {
		s := cv.sessions[i%len(cv.sessions)]
		at := start.Add(time.Duration(i) * interval).UTC().Format(time.RFC3339Nano)
		bodies[i], _ = json.Marshal(map[string]string{"session": s, "player": "p-" + tag + "-" + strconv.Itoa(i), "kind": "first_deposit",
			"amount": strconv.Itoa(10+i%90) + ".00", "currency": "EUR", "ref": "tx-" + tag + "-" + strconv.Itoa(i), "time": at})
	}
	return func(ctx context.Context, i int) (bool, int, []byte, error) {
		resp, err := c.raw.do(ctx, "POST", "/v1/conversions", bodies[i], "")
		return err == nil && resp.status == http.StatusCreated, resp.status, resp.body, err
	}
}
