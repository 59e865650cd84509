package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// rawClient sends the requests of every workload but the players'
// registration: HTTP/1.1 written and
// read on kept-alive connections of its own, one request at a time on
// each, as a browser or a server-to-server client does. It does what
// net/http's client does for these requests, for less of the two cores
// that the generator shares with the server: net/http's Transport passes
// each request and response between the caller's goroutine and the
// connection's two goroutines (a reader and a writer), keeps a context
// and a timer for the client's timeout, and allocates a header map for
// every response; its CPU a click was more than the server's. What is
// measured is the same: the latency of a request runs from when it is due
// to the end of its response (runPhase), every request sent on its
// schedule whatever the answers, a request waiting for a connection when
// all are busy, as in net/http's pool (MaxConnsPerHost).
type rawClient struct {
	addr string // host:port
	auth string // the Authorization header's value
	idle chan *rawConn
	sem  chan struct{} // a token per connection open
}

// rawConn is a connection with its reader and the buffer its requests
// are written in.
type rawConn struct {
	c   net.Conn
	r   *bufio.Reader
	buf []byte
}

// rawTimeout bounds a request, as the net/http client's Timeout did.
const rawTimeout = 2 * time.Minute

func newRawClient(addr, key string, conns int) *rawClient {
	return &rawClient{addr: addr, auth: "Bearer " + key, idle: make(chan *rawConn, conns), sem: make(chan struct{}, conns)}
}

// conn is an idle connection, a new one while fewer than the most are
// open, or else the first that another request gives back.
func (c *rawClient) conn(ctx context.Context) (*rawConn, bool, error) {
	select {
	case rc := <-c.idle:
		return rc, true, nil
	default:
	}
	select {
	case rc := <-c.idle:
		return rc, true, nil
	case c.sem <- struct{}{}:
		rc, err := c.dial(ctx)
		return rc, false, err
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

func (c *rawClient) dial(ctx context.Context) (*rawConn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		<-c.sem
		return nil, err
	}
	return &rawConn{c: nc, r: bufio.NewReaderSize(nc, 4096), buf: make([]byte, 0, 512)}, nil
}

// drop closes a connection that cannot be used again.
func (c *rawClient) drop(rc *rawConn) {
	rc.c.Close()
	<-c.sem
}

// rawResponse is what a request's answer says that the workloads read.
type rawResponse struct {
	status   int
	location string
	body     []byte
}

// do sends a request (a body of JSON when not nil; an Idempotency-Key
// header when key is not "") and reads its answer.
// A request on a kept-alive connection that the server closed meanwhile
// (no byte of an answer) is sent again on a new one, as net/http's
// client does.
func (c *rawClient) do(ctx context.Context, method, path string, body []byte, key string) (rawResponse, error) {
	if err := ctx.Err(); err != nil {
		return rawResponse{}, err
	}
	for {
		rc, reused, err := c.conn(ctx)
		if err != nil {
			return rawResponse{}, err
		}
		resp, started, keep, err := c.roundTrip(rc, method, path, body, key)
		if err != nil || !keep {
			c.drop(rc)
		} else {
			c.idle <- rc
		}
		if err != nil && reused && !started {
			continue
		}
		return resp, err
	}
}

// roundTrip writes a request on rc and reads its answer: started when a
// byte of it was read, keep when the connection may be used again.
func (c *rawClient) roundTrip(rc *rawConn, method, path string, body []byte, key string) (resp rawResponse, started, keep bool, err error) {
	b := rc.buf[:0]
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, c.addr...)
	// The User-Agent that net/http's client sends, so that the server
	// reads the same request as before this client.
	b = append(b, "\r\nUser-Agent: Go-http-client/1.1\r\nAuthorization: "...)
	b = append(b, c.auth...)
	if body != nil {
		b = append(b, "\r\nContent-Type: application/json\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
	}
	if key != "" {
		b = append(b, "\r\nIdempotency-Key: "...)
		b = append(b, key...)
	}
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	rc.buf = b
	if err := rc.c.SetDeadline(time.Now().Add(rawTimeout)); err != nil {
		return resp, false, false, err
	}
	if _, err := rc.c.Write(b); err != nil {
		return resp, false, false, err
	}
	resp, started, keep, err = readResponse(rc.r)
	return resp, started, keep, err
}

var errResponse = errors.New("loadgen: a malformed HTTP response")

// readResponse reads an HTTP/1.1 response: its status, its Location and
// its body (by Content-Length, or chunked); keep is false when the server
// closes the connection after it.
func readResponse(r *bufio.Reader) (resp rawResponse, started, keep bool, err error) {
	line, err := r.ReadSlice('\n')
	if len(line) == 0 {
		return resp, false, false, err
	}
	started = true
	if err != nil {
		return resp, true, false, err
	}
	// "HTTP/1.1 302 Found\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return resp, true, false, fmt.Errorf("%w: status line %q", errResponse, line)
	}
	if resp.status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return resp, true, false, fmt.Errorf("%w: status line %q", errResponse, line)
	}
	keep = line[7] == '1' // HTTP/1.1 keeps the connection unless it says otherwise
	length, chunked := -1, false
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return resp, true, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return resp, true, false, fmt.Errorf("%w: header %q", errResponse, line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case asciiEqual(name, "Location"):
			resp.location = string(value)
		case asciiEqual(name, "Content-Length"):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return resp, true, false, fmt.Errorf("%w: Content-Length %q", errResponse, value)
			}
		case asciiEqual(name, "Transfer-Encoding"):
			chunked = asciiEqual(value, "chunked")
			if !chunked {
				return resp, true, false, fmt.Errorf("%w: Transfer-Encoding %q", errResponse, value)
			}
		case asciiEqual(name, "Connection"):
			if asciiEqual(value, "close") {
				keep = false
			}
		}
	}
	switch {
	case chunked:
		resp.body, err = readChunked(r)
	case length > 0:
		resp.body = make([]byte, length)
		_, err = io.ReadFull(r, resp.body)
	case length < 0: // neither: the body runs to the connection's end
		resp.body, err = io.ReadAll(r)
		keep = false
	}
	if err != nil {
		return resp, true, false, err
	}
	return resp, true, keep, nil
}

// readChunked reads a chunked body and its (empty) trailer.
func readChunked(r *bufio.Reader) ([]byte, error) {
	var body []byte
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 32)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%w: chunk size %q", errResponse, line)
		}
		if n == 0 {
			for { // the trailer, to its empty line
				line, err := r.ReadSlice('\n')
				if err != nil {
					return nil, err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return body, nil
				}
			}
		}
		start := len(body)
		body = append(body, make([]byte, n)...)
		if _, err := io.ReadFull(r, body[start:]); err != nil {
			return nil, err
		}
		if _, err := r.Discard(2); err != nil { // the chunk's CRLF
			return nil, err
		}
	}
}

// asciiEqual reports whether b is s, ignoring the case of ASCII letters
// (header names and tokens).
func asciiEqual(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// close closes the idle connections.
func (c *rawClient) close() {
	for {
		select {
		case rc := <-c.idle:
			c.drop(rc)
		default:
			return
		}
	}
}
