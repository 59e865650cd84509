package lsp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/promoc/promoc/lang/limits"
)

// maxMessage bounds the body of one message: the largest file, every byte
// escaped as \uXXXX, and room for the rest.
const maxMessage = 6*limits.FileBytes + 1<<20

// maxHeaderLine bounds one line of a message's header.
const maxHeaderLine = 4 << 10

// stream is the protocol's framing: a header with the Content-Length, a
// blank line, and a JSON body. Unlike jsonrpc2's own codec, which ends the
// connection at the first malformed message, it answers a frame it cannot
// read with a JSON-RPC error and goes on with the next one: invalid JSON is
// a parse error (-32700), and JSON that is no request, notification or
// response (an array, an id that is an object, a method that is not a
// string) an invalid request (-32600), both with the id null unless the
// message has a valid one. A header without a valid Content-Length gets a
// parse error, and the stream finds its way back at the next
// Content-Length, wherever it starts. Only the end of the input, or a body
// cut short by it, ends the stream.
type stream struct {
	r   *bufio.Reader
	w   io.WriteCloser
	wmu sync.Mutex
	log func(format string, args ...any)
}

func newStream(rwc io.ReadWriteCloser, log func(string, ...any)) *stream {
	return &stream{r: bufio.NewReader(rwc), w: rwc, log: log}
}

// WriteObject writes one message.
func (s *stream) WriteObject(obj any) error {
	body, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := fmt.Fprintf(s.w, "Content-Length: %d\r\n\r\n", len(body)); err != nil {
		return err
	}
	_, err = s.w.Write(body)
	return err
}

func (s *stream) Close() error { return s.w.Close() }

// frameError is a message that could not be read, and the answer it gets.
type frameError struct {
	id      *jsonrpc2.ID
	code    int64
	message string
}

func (e *frameError) Error() string { return e.message }

// ReadObject reads the next message that is a valid JSON-RPC message into
// v, answering those that are not.
func (s *stream) ReadObject(v any) error {
	for {
		body, err := s.readFrame()
		if err == nil {
			err = validate(body)
		}
		if err == nil {
			if err = json.Unmarshal(body, v); err != nil {
				err = &frameError{code: jsonrpc2.CodeInvalidRequest, message: "invalid request: " + err.Error()}
			}
		}
		var fe *frameError
		if !errors.As(err, &fe) {
			return err // the end of the input
		}
		s.log("malformed message: %s", fe.message)
		resp := errorResponse{JSONRPC: "2.0", ID: fe.id, Error: &jsonrpc2.Error{Code: fe.code, Message: fe.message}}
		if err := s.WriteObject(resp); err != nil {
			return err
		}
	}
}

// errorResponse answers a message that could not be read; its id is null
// when the message's could not be read, as JSON-RPC asks.
type errorResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      *jsonrpc2.ID    `json:"id"`
	Error   *jsonrpc2.Error `json:"error"`
}

// readFrame reads one header and its body.
func (s *stream) readFrame() ([]byte, error) {
	length, bad, seen := -1, "", false
	for {
		line, err := s.readLine()
		if err != nil {
			return nil, err
		}
		if line == "" {
			if !seen {
				continue // a blank line with no header before it
			}
			if length < 0 && bad == "" {
				bad = "parse error: no Content-Length in the header"
			}
			break
		}
		seen = true
		// Content-Length may follow the rest of a broken message on its
		// line: that is where the next message starts.
		i := strings.Index(strings.ToLower(line), "content-length:")
		if i < 0 {
			continue // another header (Content-Type), or garbage
		}
		value := strings.TrimSpace(line[i+len("content-length:"):])
		n, err := strconv.ParseInt(value, 10, 64)
		switch {
		case err != nil || n < 0:
			bad, length = fmt.Sprintf("parse error: invalid Content-Length %q", value), -1
		case n > maxMessage:
			bad, length = fmt.Sprintf("parse error: Content-Length %d exceeds the limit of %d bytes", n, maxMessage), -1
		default:
			bad, length = "", int(n)
		}
	}
	if length < 0 {
		// The body, if any, is skipped up to the next Content-Length.
		return nil, &frameError{code: jsonrpc2.CodeParseError, message: bad}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(s.r, body); err != nil {
		return nil, err
	}
	return body, nil
}

// readLine reads one line of a header, without its line break ("\r\n", or
// "\n" alone). A line longer than maxHeaderLine is cut: its end reads as
// the next line.
func (s *stream) readLine() (string, error) {
	var b []byte
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			if err == io.EOF && len(b) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		if c == '\n' {
			return string(bytes.TrimSuffix(b, []byte{'\r'})), nil
		}
		b = append(b, c)
		if len(b) >= maxHeaderLine {
			// Keep the end, where a Content-Length may start.
			b = append(b[:0], b[len(b)-64:]...)
		}
	}
}

// validate checks that body is one JSON-RPC 2.0 message: a request or
// notification (a string method; params an object or an array; an id
// that is a string, a number or null) or a response (an id, and a result
// or an error).
func validate(body []byte) error {
	if !json.Valid(body) {
		return &frameError{code: jsonrpc2.CodeParseError, message: "parse error: the message is not valid JSON"}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		what := "not an object"
		if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
			what = "a batch, which the Language Server Protocol does not use"
		}
		return &frameError{code: jsonrpc2.CodeInvalidRequest, message: "invalid request: the message is " + what}
	}
	invalid := func(id *jsonrpc2.ID, format string, args ...any) error {
		return &frameError{id: id, code: jsonrpc2.CodeInvalidRequest, message: "invalid request: " + fmt.Sprintf(format, args...)}
	}
	var id *jsonrpc2.ID
	if raw, ok := m["id"]; ok && string(raw) != "null" {
		var x jsonrpc2.ID
		if err := json.Unmarshal(raw, &x); err != nil || !isScalarID(raw) {
			return invalid(nil, "the id is %s, not a string or a number", raw)
		}
		id = &x
	}
	if v, ok := m["jsonrpc"]; ok && string(v) != `"2.0"` {
		return invalid(id, `jsonrpc is %s, not "2.0"`, v)
	}
	raw, isRequest := m["method"]
	if isRequest {
		var method string
		if err := json.Unmarshal(raw, &method); err != nil {
			return invalid(id, "the method is %s, not a string", raw)
		}
		if p, ok := m["params"]; ok {
			if t := bytes.TrimSpace(p); len(t) == 0 || t[0] != '{' && t[0] != '[' && string(t) != "null" {
				return invalid(id, "the params of %s are %s, not an object or an array", method, p)
			}
		}
		return nil
	}
	_, result := m["result"]
	_, hasError := m["error"]
	if _, hasID := m["id"]; !hasID || result == hasError {
		return invalid(id, "the message is neither a request (no method) nor a response (an id with a result or an error)")
	}
	return nil
}

// isScalarID reports whether a JSON value is a string or an integer.
func isScalarID(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	if len(t) > 0 && t[0] == '"' {
		return true
	}
	_, err := strconv.ParseInt(string(t), 10, 64)
	return err == nil
}
