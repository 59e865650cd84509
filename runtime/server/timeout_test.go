package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// TestReadTimeout: a client that sends its headers and part of its body,
// then nothing, is cut at the read timeout: it gets a 400 for the body it
// did not finish (or the connection closed), the connection ends, and
// nothing is stored. Without the timeout it would hold the connection
// until the test's deadline.
func TestReadTimeout(t *testing.T) {
	h := newHarness(t, func(c *server.Config) {
		c.ReadTimeout, c.WriteTimeout, c.Tick = 200*time.Millisecond, 5*time.Second, time.Hour
	})
	url, _ := serve(t, h.srv)
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	body := `[{"id":"reg","player":"p1","kind":"player","time":"2026-11-02T10:00:00Z","currency":"EUR"}]`
	_, err = io.WriteString(conn, "POST /v1/events HTTP/1.1\r\nHost: promoc\r\nAuthorization: Bearer "+h.keys[server.Operator]+
		"\r\nContent-Type: application/json\r\nIdempotency-Key: slow-1\r\nContent-Length: 1000\r\n\r\n"+body[:40])
	require.NoError(t, err)

	// Far beyond the read timeout: a connection still open then was not cut.
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", b)
		assert.Contains(t, string(b), "reading the request body")
		_, err = br.ReadByte()
	}
	var ne net.Error
	if assert.Error(t, err) {
		assert.False(t, errors.As(err, &ne) && ne.Timeout(), "cut by the server, not by the test's deadline: %v", err)
	}
	assert.Empty(t, h.outcomes(), "nothing stored")
	_, ok, err := h.st.Player(context.Background(), "p1")
	require.NoError(t, err)
	assert.False(t, ok, "nothing stored")
}

// TestWriteTimeout: an answer not written within the write timeout of the
// request's start is not written at all: the client sees the connection
// close, with no response (and retries with its Idempotency-Key; the
// events, handled, are then answered from the log).
func TestWriteTimeout(t *testing.T) {
	slow := &slowStore{auditedStore: openStore(t), entered: make(chan struct{}), release: make(chan struct{})}
	srv, err := server.New(context.Background(), server.Config{Program: compile(t), Store: slow, Tick: time.Hour,
		ReadTimeout: 5 * time.Second, WriteTimeout: 200 * time.Millisecond})
	require.NoError(t, err)
	secret, k, err := server.NewKey(server.Operator, "", t0)
	require.NoError(t, err)
	require.NoError(t, slow.AddKey(context.Background(), k))
	url, _ := serve(t, srv)
	post := func() (*http.Response, error) {
		req, _ := http.NewRequest("POST", url+"/v1/events", strings.NewReader(
			`[{"id":"reg","player":"p1","kind":"player","time":"2026-11-02T10:00:00Z","currency":"EUR"}]`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Idempotency-Key", "write-1")
		return (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	}

	slow.armed.Store(true)
	got := make(chan error, 1)
	go func() {
		resp, err := post()
		if err == nil {
			resp.Body.Close()
			err = errors.New("answered " + resp.Status)
		}
		got <- err
	}()
	<-slow.entered
	time.Sleep(400 * time.Millisecond) // past the write timeout
	close(slow.release)
	err = <-got
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "answered", "no response past the write timeout")

	// The retry is answered, within its own write timeout.
	resp, err := post()
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
