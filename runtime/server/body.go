package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// decodeBody reads a JSON object strictly into v: unknown fields and
// anything after the object are refused. An empty body is an empty
// object.
func decodeBody(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, CodeInvalidJSON, "data after the JSON object")
	}
	return nil
}

// jsonError describes a decoding error, with the field's path when known.
func jsonError(err error) *Error {
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &ute):
		return errorf(http.StatusBadRequest, CodeInvalidJSON, "%s: expected %s, found a JSON %s", ute.Field, ute.Type, ute.Value).
			with("field", ute.Field)
	case errors.As(err, &se):
		return errorf(http.StatusBadRequest, CodeInvalidJSON, "malformed JSON at byte %d: %v", se.Offset, err).with("offset", se.Offset)
	}
	return errorf(http.StatusBadRequest, CodeInvalidJSON, "%s", trimJSON(err.Error()))
}

func trimJSON(s string) string {
	const p = "json: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// params reads a request's query: only the names allowed, each once.
type params struct {
	v   url.Values
	err error
}

func queryOf(q *request, allowed ...string) *params {
	v := q.URL.Query()
	p := &params{v: v}
	for name, vals := range v {
		ok := false
		for _, a := range allowed {
			ok = ok || a == name
		}
		switch {
		case !ok:
			p.err = errorf(http.StatusBadRequest, CodeInvalidParameter, "unknown query parameter %q: expected %v", name, allowed).with("parameter", name)
		case len(vals) > 1:
			p.err = errorf(http.StatusBadRequest, CodeInvalidParameter, "query parameter %q given %d times", name, len(vals)).with("parameter", name)
		}
	}
	return p
}

// int64 reads an integer parameter within [lo, hi]; def when absent.
func (p *params) int64(name string, def, lo, hi int64) int64 {
	s := p.v.Get(name)
	if p.err != nil || s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		p.err = errorf(http.StatusBadRequest, CodeInvalidParameter, "%s=%q: expected an integer from %d to %d", name, s, lo, hi).with("parameter", name)
		return def
	}
	return n
}

// pageLimit bounds the rows of one page of a feed.
const pageLimit = 1000

// page reads the cursor parameters of a feed: after (a sequence number,
// default 0) and limit (default 100, at most pageLimit).
func page(q *request) (after int64, limit int, err error) {
	p := queryOf(q, "after", "limit")
	after = p.int64("after", 0, 0, 1<<62)
	limit = int(p.int64("limit", 100, 1, pageLimit))
	return after, limit, p.err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
