package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRawClient: the raw client reads what net/http's server writes: a
// redirect's status and Location, a body by Content-Length or chunked, a
// connection the server closes; it sends the headers and the body, and
// keeps a connection for the next request.
func TestRawClient(t *testing.T) {
	var mu sync.Mutex
	conns := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conns[r.RemoteAddr] = true
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer k" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/t/casino":
			w.Header().Set("Location", "https://casino.example/welcome?session="+r.URL.Query().Get("sub2"))
			w.WriteHeader(http.StatusFound)
		case "/key":
			io.WriteString(w, r.Header.Get("Idempotency-Key"))
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
			w.WriteHeader(http.StatusCreated)
			w.Write(b)
		case "/chunked":
			for i := range 3 {
				io.WriteString(w, strings.Repeat("x", 10+i))
				w.(http.Flusher).Flush()
			}
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		}
	}))
	defer srv.Close()
	c := newRawClient(strings.TrimPrefix(srv.URL, "http://"), "k", 4)
	defer c.close()
	ctx := context.Background()
	cases := []struct {
		method, path, body, key string
		status                  int
		location, answer        string
	}{
		{"GET", "/t/casino?pub=alpha&sub2=c1", "", "", 302, "https://casino.example/welcome?session=c1", ""},
		{"POST", "/echo", `{"kind":"first_deposit"}`, "", 201, "", `{"kind":"first_deposit"}`},
		{"POST", "/key", `{"kind":"bet"}`, "load-1-2", 200, "", "load-1-2"},
		{"GET", "/chunked", "", "", 200, "", strings.Repeat("x", 10) + strings.Repeat("x", 11) + strings.Repeat("x", 12)},
		{"GET", "/close", "", "", 200, "", "bye"},
		{"GET", "/t/casino?pub=alpha&sub2=c2", "", "", 302, "https://casino.example/welcome?session=c2", ""},
	}
	for _, tc := range cases {
		var body []byte
		if tc.body != "" {
			body = []byte(tc.body)
		}
		resp, err := c.do(ctx, tc.method, tc.path, body, tc.key)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		if resp.status != tc.status || resp.location != tc.location || string(resp.body) != tc.answer {
			t.Errorf("%s %s: got %d %q %q, want %d %q %q", tc.method, tc.path, resp.status, resp.location, resp.body, tc.status, tc.location, tc.answer)
		}
	}
	// One connection for the first five, closed by the server after the
	// fifth; a new one for the sixth.
	if len(conns) != 2 {
		t.Errorf("%d connections, want 2 (one kept for the first five requests, one after the server closed it)", len(conns))
	}
	// A connection the server closed while idle: the request is sent again
	// on a new one.
	srv.CloseClientConnections()
	if resp, err := c.do(ctx, "GET", "/t/casino?sub2=c3", nil, ""); err != nil || resp.status != 302 {
		t.Errorf("after the server closed the idle connection: %v %v", resp, err)
	}
}

// TestReadResponseMalformed: an answer that is not HTTP/1.x is an error,
// and the connection is not kept.
func TestReadResponseMalformed(t *testing.T) {
	for _, in := range []string{
		"SSH-2.0-OpenSSH\r\n",
		"HTTP/1.1 abc Found\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
	} {
		_, _, keep, err := readResponse(bufio.NewReader(strings.NewReader(in)))
		if err == nil || keep {
			t.Errorf("%q: err %v, keep %v: want an error and the connection dropped", in, err, keep)
		}
	}
}

// TestReadResponseCut: an answer cut short (the connection closed in its
// status line, its headers, its body or its chunks) is an error, and the
// connection is not kept; only an answer with no byte at all is not
// started, so that do may send the request again.
func TestReadResponseCut(t *testing.T) {
	for _, tc := range []struct {
		in      string
		started bool
	}{
		{"", false},
		{"HTTP/1.1 200 OK", true},
		{"HTTP/1.1 200\r\n", true},
		{"HTTP/1.1 200 OK\r\nContent-Le", true},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", true},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab", true},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", true},
	} {
		_, started, keep, err := readResponse(bufio.NewReader(strings.NewReader(tc.in)))
		if err == nil || keep || started != tc.started {
			t.Errorf("%q: err %v, keep %v, started %v: want an error, the connection dropped and started %v", tc.in, err, keep, started, tc.started)
		}
	}
}

// TestRawClientClosed: a new connection that the server closes with no
// answer, or one that cannot be made, is the request's error (not sent
// again for ever), and gives its place back: as many requests again as
// the client has connections still get a connection.
func TestRawClientClosed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			bufio.NewReader(c).ReadString('\n') // the request's first line, then no answer
			c.Close()
		}
	}()
	addr := ln.Addr().String()
	c := newRawClient(addr, "k", 2)
	// A place not given back would leave the third request waiting: the
	// deadline makes that a failure, not a hang.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range 3 {
		if _, err := c.do(ctx, "GET", "/t/casino", nil, ""); err == nil || ctx.Err() != nil {
			t.Fatalf("a connection closed with no answer: %v, want its error", err)
		}
	}
	ln.Close()
	for range 3 {
		if _, err := c.do(ctx, "GET", "/t/casino", nil, ""); err == nil || ctx.Err() != nil {
			t.Fatalf("no server: %v, want the dial's error", err)
		}
	}
	if len(c.sem) != 0 {
		t.Errorf("%d connections' places kept after they failed", len(c.sem))
	}
}
