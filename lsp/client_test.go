package lsp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	protocol "github.com/tliron/glsp/protocol_3_16"
)

// client is the test's side of the protocol: it runs a Server on a pair of
// pipes and speaks JSON-RPC 2.0 to it with Content-Length framing, by hand,
// as an editor does.
type client struct {
	t    testing.TB
	dir  string // the workspace folder
	w    io.WriteCloser
	wmu  sync.Mutex
	next int
	log  *syncBuffer
	done chan error // Serve's result

	allowInternal bool // the test provokes an internal error on purpose

	mu       sync.Mutex
	pending  map[int]chan response
	versions map[string]protocol.Integer // open documents by file name
	texts    map[string]string
	pubs     []published
	pubCond  *sync.Cond
	notes    []notification
	stray    []strayResponse // responses to no request of the client's
}

// strayResponse is a response whose id is null or matches no request sent
// by client.request: the answer to a malformed message.
type strayResponse struct {
	ID json.RawMessage
	response
}

type response struct {
	Result json.RawMessage `json:"result"`
	Error  *rpcError       `json:"error"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("%d: %s", e.Code, e.Message) }

// published is a publishDiagnostics notification. (glsp's own type cannot
// decode the code of a diagnostic: its UnmarshalJSON has a value receiver.)
type published struct {
	URI         protocol.DocumentUri `json:"uri"`
	Version     *protocol.UInteger   `json:"version"`
	Diagnostics []diagnostic         `json:"diagnostics"`
}

type diagnostic struct {
	Range    protocol.Range                          `json:"range"`
	Severity protocol.DiagnosticSeverity             `json:"severity"`
	Code     string                                  `json:"code"`
	Source   string                                  `json:"source"`
	Message  string                                  `json:"message"`
	Tags     []protocol.DiagnosticTag                `json:"tags"`
	Related  []protocol.DiagnosticRelatedInformation `json:"relatedInformation"`
}

type notification struct {
	Method string
	Params json.RawMessage
}

// syncBuffer collects the server's log.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type pipeRWC struct {
	io.Reader
	io.WriteCloser
}

// newClient writes files into a new workspace folder, starts a server and
// initializes it with the folder.
func newClient(t testing.TB, files map[string]string) *client {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := startClient(t, dir, Options{Debounce: 5 * time.Millisecond})
	c.initialize()
	return c
}

// startClient starts a server with opts on pipes, without initializing it.
func startClient(t testing.TB, dir string, opts Options) *client {
	buf := &syncBuffer{}
	opts.Log = buf
	return startServerClient(t, dir, New(opts), buf)
}

// startServerClient starts s, which logs to buf, on pipes.
func startServerClient(t testing.TB, dir string, s *Server, buf *syncBuffer) *client {
	c := &client{t: t, dir: dir, pending: map[int]chan response{}, versions: map[string]protocol.Integer{},
		texts: map[string]string{}, log: buf, done: make(chan error, 1)}
	c.pubCond = sync.NewCond(&c.mu)
	toServerR, toServerW := io.Pipe()
	fromServerR, fromServerW := io.Pipe()
	c.w = toServerW
	go func() {
		c.done <- s.Serve(context.Background(), pipeRWC{toServerR, fromServerW})
		fromServerW.Close()
	}()
	go c.read(bufio.NewReader(fromServerR))
	t.Cleanup(func() {
		c.w.Close()
		select {
		case <-c.done:
		case <-time.After(5 * time.Second):
			t.Errorf("the server did not stop when its input closed")
		}
		if !c.allowInternal && strings.Contains(c.log.String(), "internal error") {
			t.Errorf("the server logged an internal error:\n%s", c.log.String())
		}
	})
	return c
}

func (c *client) initialize() {
	var res protocol.InitializeResult
	root := pathURI(c.dir)
	c.call("initialize", map[string]any{
		"processId":        nil,
		"rootUri":          root,
		"capabilities":     map[string]any{},
		"workspaceFolders": []map[string]any{{"uri": root, "name": "ws"}},
	}, &res)
	c.notify("initialized", map[string]any{})
}

// read dispatches the server's messages: responses to their callers,
// notifications to pubs and notes; requests from the server get a null
// result.
func (c *client) read(r *bufio.Reader) {
	for {
		length := -1
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if !strings.HasSuffix(line, "\r\n") {
				c.t.Errorf("header line %q does not end with CRLF", line)
				return
			}
			line = strings.TrimSuffix(line, "\r\n")
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(v)
			}
		}
		if length < 0 {
			c.t.Errorf("message without Content-Length")
			return
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		var msg struct {
			ID     *json.RawMessage `json:"id"`
			Method string           `json:"method"`
			Params json.RawMessage  `json:"params"`
			response
		}
		if err := json.Unmarshal(body, &msg); err != nil {
			c.t.Errorf("invalid JSON from the server: %v: %s", err, body)
			return
		}
		switch {
		case msg.Method != "" && msg.ID != nil: // a request of the server
			c.send(map[string]any{"jsonrpc": "2.0", "id": msg.ID, "result": nil})
		case msg.Method != "":
			c.mu.Lock()
			c.notes = append(c.notes, notification{msg.Method, msg.Params})
			if msg.Method == "textDocument/publishDiagnostics" {
				var p published
				if err := json.Unmarshal(msg.Params, &p); err != nil {
					c.t.Errorf("publishDiagnostics: %v", err)
				}
				if p.Diagnostics == nil {
					c.t.Errorf("publishDiagnostics for %s has diagnostics null, not []", p.URI)
				}
				c.pubs = append(c.pubs, p)
				c.pubCond.Broadcast()
			}
			c.mu.Unlock()
		default:
			id := -1
			raw := json.RawMessage("null")
			if msg.ID != nil {
				raw = *msg.ID
				id, _ = strconv.Atoi(string(raw))
			}
			c.mu.Lock()
			ch := c.pending[id]
			delete(c.pending, id)
			if ch == nil {
				c.stray = append(c.stray, strayResponse{raw, msg.response})
			}
			c.mu.Unlock()
			if ch != nil {
				ch <- msg.response
			}
		}
	}
}

func (c *client) send(msg any) {
	body, err := json.Marshal(msg)
	if err != nil {
		c.t.Fatal(err)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	fmt.Fprintf(c.w, "Content-Length: %d\r\n\r\n%s", len(body), body)
}

// request sends a request and returns its response.
func (c *client) request(method string, params any) response {
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan response, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	c.send(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		c.t.Fatalf("%s: no response in 10s", method)
	}
	return response{}
}

// call sends a request, fails the test on an error response and decodes
// the result into result.
func (c *client) call(method string, params, result any) {
	c.t.Helper()
	r := c.request(method, params)
	if r.Error != nil {
		c.t.Fatalf("%s: %v", method, r.Error)
	}
	if result != nil {
		if err := json.Unmarshal(r.Result, result); err != nil {
			c.t.Fatalf("%s: decoding %s: %v", method, r.Result, err)
		}
	}
}

func (c *client) notify(method string, params any) {
	c.send(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
}

func (c *client) uri(name string) protocol.DocumentUri { return pathURI(filepath.Join(c.dir, name)) }

// open opens a file of the workspace with its text on disk, or with text.
func (c *client) open(name string, text ...string) {
	c.t.Helper()
	var t string
	if len(text) > 0 {
		t = text[0]
	} else {
		b, err := os.ReadFile(filepath.Join(c.dir, name))
		if err != nil {
			c.t.Fatal(err)
		}
		t = string(b)
	}
	c.mu.Lock()
	c.versions[name] = 1
	c.texts[name] = t
	c.mu.Unlock()
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": c.uri(name), "languageId": "promo", "version": 1, "text": t}})
}

// change replaces the text of an open file.
func (c *client) change(name, text string) protocol.Integer {
	c.mu.Lock()
	c.versions[name]++
	v := c.versions[name]
	c.texts[name] = text
	c.mu.Unlock()
	c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": c.uri(name), "version": v},
		"contentChanges": []map[string]any{{"text": text}},
	})
	return v
}

func (c *client) text(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.texts[name]
}

// diagnostics waits for the diagnostics of a file published for its
// current version, and returns the latest.
func (c *client) diagnostics(name string) []diagnostic {
	c.t.Helper()
	uri := c.uri(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	want, open := c.versions[name]
	deadline := time.Now().Add(10 * time.Second)
	timer := time.AfterFunc(10*time.Second, func() {
		c.mu.Lock()
		c.pubCond.Broadcast()
		c.mu.Unlock()
	})
	defer timer.Stop()
	for {
		for i := len(c.pubs) - 1; i >= 0; i-- {
			p := c.pubs[i]
			if p.URI != uri {
				continue
			}
			if !open || p.Version != nil && protocol.Integer(*p.Version) >= want {
				return p.Diagnostics
			}
			break
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("no diagnostics published for %s version %d", name, want)
		}
		c.pubCond.Wait()
	}
}

// publishes returns how many diagnostics were published for a file.
func (c *client) publishes(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, p := range c.pubs {
		if p.URI == c.uri(name) {
			n++
		}
	}
	return n
}

// pos returns the position of the nth (from 1) occurrence of marker in the
// open file's text, plus delta bytes.
func (c *client) pos(name, marker string, nth, delta int) protocol.Position {
	c.t.Helper()
	text := c.text(name)
	off := -1
	for i, from := 0, 0; i < nth; i++ {
		j := strings.Index(text[from:], marker)
		if j < 0 {
			c.t.Fatalf("%q not found %d times in %s", marker, nth, name)
		}
		off = from + j
		from = off + 1
	}
	return newMapper(text).position(off + delta)
}

// at makes TextDocumentPositionParams.
func (c *client) at(name, marker string, delta int) map[string]any {
	return map[string]any{"textDocument": map[string]any{"uri": c.uri(name)}, "position": c.pos(name, marker, 1, delta)}
}

func (c *client) shutdown() {
	c.call("shutdown", nil, nil)
	c.notify("exit", nil)
	select {
	case err := <-c.done:
		if err != nil {
			c.t.Errorf("Serve = %v after shutdown and exit, want nil", err)
		}
		c.done <- nil
	case <-time.After(5 * time.Second):
		c.t.Fatalf("the server did not exit")
	}
}
