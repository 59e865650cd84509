package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"
)

// rpcHandler connects the JSON-RPC connection to the glsp protocol.Handler,
// as glsp's own server does (server/handle.go), with two differences: a
// panic in any handler is recovered, logged and answered with an internal
// error, and the connection is our own, so that the server runs over any
// stream, stdio or the pipes of a test.
//
// Messages are handled one at a time, in the order they arrive, so that a
// request always sees the changes sent before it. No handler waits for
// anything but the analysis of the text it needs, which runs off this
// goroutine (see [Server.snapshot]).
type rpcHandler struct {
	s *Server
}

func (h rpcHandler) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	// The connection reads, and so calls Handle, before Serve has stored
	// it: a notification a handler sends (diagnostics) must not be lost.
	h.s.mu.Lock()
	if h.s.conn == nil {
		h.s.conn = conn
	}
	h.s.mu.Unlock()
	result, err := h.dispatch(conn, req)
	if req.Notif {
		if req.Method == protocol.MethodExit {
			conn.Close()
			return
		}
		if err != nil {
			h.s.logf("%s: %v", req.Method, err)
		}
		return
	}
	resp := &jsonrpc2.Response{ID: req.ID}
	if err == nil {
		err = resp.SetResult(result)
	}
	if err != nil {
		if e, ok := err.(*jsonrpc2.Error); ok {
			resp.Error = e
		} else {
			resp.Error = &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidRequest, Message: err.Error()}
		}
	}
	if err := conn.SendResponse(ctx, resp); err != nil && err != jsonrpc2.ErrClosed {
		h.s.logf("%s: sending the response: %v", req.Method, err)
	}
}

// dispatch calls the handler of one message.
func (h rpcHandler) dispatch(conn *jsonrpc2.Conn, req *jsonrpc2.Request) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			h.s.logf("internal error in %s: %v\n%s", req.Method, r, debug.Stack())
			result, err = nil, &jsonrpc2.Error{Code: jsonrpc2.CodeInternalError, Message: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	ctx := &glsp.Context{
		Method: req.Method,
		Notify: func(method string, params any) { h.s.notify(method, params) },
		Call: func(method string, params any, result any) {
			if err := conn.Call(context.Background(), method, params, result); err != nil {
				h.s.logf("%s: %v", method, err)
			}
		},
	}
	if req.Params != nil {
		ctx.Params = *req.Params
	} else {
		ctx.Params = json.RawMessage("null")
	}
	r, validMethod, validParams, err := h.s.handler.Handle(ctx)
	switch {
	case !validMethod:
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: "method not supported: " + req.Method}
	case !validParams:
		msg := "invalid params"
		if err != nil {
			msg = err.Error()
		}
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: msg}
	}
	return r, err
}

// logger adapts the server's log to jsonrpc2.
type logger struct{ s *Server }

func (l logger) Printf(format string, v ...any) { l.s.logf(format, v...) }
