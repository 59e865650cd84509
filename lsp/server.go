package lsp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"sync"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"
)

// Options configure a [Server]. The zero value is ready to use.
type Options struct {
	// Debounce is how long the server waits after a change before it
	// analyzes the rule set, so that a burst of keystrokes makes one
	// analysis; 0 means 50ms.
	Debounce time.Duration
	// Log receives the server's log; nil discards it. It must never be the
	// stream the protocol runs on.
	Log io.Writer
	// Version is reported to the client in serverInfo.
	Version string
}

// Server is a language server for promo. It serves one client: create one
// per connection.
type Server struct {
	opts    Options
	log     *log.Logger
	handler protocol.Handler
	spec    *specDoc
	loading sync.WaitGroup // the rule sets of workspace folders being found

	mu      sync.Mutex
	conn    *jsonrpc2.Conn
	closed  bool
	down    bool                               // shutdown was requested
	roots   []string                           // workspace folders, as paths
	docs    map[protocol.DocumentUri]*document // open documents
	sets    map[string]*ruleSet                // by directory
	warned  bool                               // the client was told once that the analysis failed
	started time.Time
}

// New returns a server.
func New(opts Options) *Server {
	if opts.Debounce <= 0 {
		opts.Debounce = 50 * time.Millisecond
	}
	w := opts.Log
	if w == nil {
		w = io.Discard
	}
	s := &Server{
		opts:    opts,
		log:     log.New(w, "promoc lsp: ", log.LstdFlags|log.Lmicroseconds),
		spec:    loadSpec(),
		docs:    map[protocol.DocumentUri]*document{},
		sets:    map[string]*ruleSet{},
		started: time.Now(),
	}
	s.handler = protocol.Handler{
		Initialize:                         s.initialize,
		Initialized:                        s.initialized,
		Shutdown:                           s.shutdown,
		Exit:                               func(*glsp.Context) error { return nil },
		SetTrace:                           func(*glsp.Context, *protocol.SetTraceParams) error { return nil },
		CancelRequest:                      func(*glsp.Context, *protocol.CancelParams) error { return nil },
		WorkspaceDidChangeConfiguration:    func(*glsp.Context, *protocol.DidChangeConfigurationParams) error { return nil },
		WorkspaceDidChangeWorkspaceFolders: s.didChangeWorkspaceFolders,
		WorkspaceDidChangeWatchedFiles:     s.didChangeWatchedFiles,
		WorkspaceSymbol:                    s.workspaceSymbol,
		TextDocumentDidOpen:                s.didOpen,
		TextDocumentDidChange:              s.didChange,
		TextDocumentDidSave:                func(*glsp.Context, *protocol.DidSaveTextDocumentParams) error { return nil },
		TextDocumentDidClose:               s.didClose,
		TextDocumentHover:                  s.hover,
		TextDocumentCompletion:             s.completion,
		TextDocumentSignatureHelp:          s.signatureHelp,
		TextDocumentDefinition:             s.definition,
		TextDocumentReferences:             s.references,
		TextDocumentPrepareRename:          s.prepareRename,
		TextDocumentRename:                 s.rename,
		TextDocumentDocumentSymbol:         s.documentSymbol,
		TextDocumentCodeAction:             s.codeAction,
		TextDocumentFormatting:             s.formatting,
		TextDocumentSemanticTokensFull:     s.semanticTokensFull,
		TextDocumentSemanticTokensRange:    s.semanticTokensRange,
	}
	return s
}

// ErrNoShutdown is returned by [Server.Serve] when the connection ended
// without a shutdown request, as when the client died: the protocol asks
// the server to exit with 1 then.
var ErrNoShutdown = errors.New("the client left without asking the server to shut down")

// Serve runs the protocol on rwc until the client sends exit or closes the
// stream, or ctx is done. It returns nil after a shutdown request, else
// [ErrNoShutdown].
func (s *Server) Serve(ctx context.Context, rwc io.ReadWriteCloser) error {
	conn := jsonrpc2.NewConn(ctx, newStream(rwc, s.logf), rpcHandler{s}, jsonrpc2.SetLogger(logger{s}))
	s.mu.Lock()
	s.conn = conn
	s.mu.Unlock()
	s.logf("promoc lsp %s: serving", s.opts.Version)
	select {
	case <-conn.DisconnectNotify():
	case <-ctx.Done():
		conn.Close()
	}
	s.close()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logf("connection closed")
	if !s.down {
		return ErrNoShutdown
	}
	return nil
}

// close stops the pending analyses.
func (s *Server) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, set := range s.sets {
		if set.timer != nil {
			set.timer.Stop()
		}
	}
}

func (s *Server) logf(format string, args ...any) {
	s.log.Printf(format, args...)
}

// notify sends a notification to the client, if it is still there.
func (s *Server) notify(method string, params any) {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if conn == nil {
		return
	}
	if err := conn.Notify(context.Background(), method, params); err != nil && err != jsonrpc2.ErrClosed {
		s.logf("%s: %v", method, err)
	}
}

func (s *Server) initialize(_ *glsp.Context, p *protocol.InitializeParams) (any, error) {
	var roots []string
	for _, f := range p.WorkspaceFolders {
		if dir, ok := uriPath(f.URI); ok {
			roots = append(roots, dir)
		}
	}
	if len(roots) == 0 && p.RootURI != nil {
		if dir, ok := uriPath(*p.RootURI); ok {
			roots = append(roots, dir)
		}
	}
	s.mu.Lock()
	s.roots = roots
	s.mu.Unlock()

	incremental := protocol.TextDocumentSyncKindIncremental
	yes := true
	version := s.opts.Version
	return protocol.InitializeResult{
		Capabilities: protocol.ServerCapabilities{
			TextDocumentSync: protocol.TextDocumentSyncOptions{OpenClose: &yes, Change: &incremental, Save: true},
			HoverProvider:    true,
			CompletionProvider: &protocol.CompletionOptions{
				TriggerCharacters: []string{"."},
			},
			SignatureHelpProvider: &protocol.SignatureHelpOptions{
				TriggerCharacters:   []string{"("},
				RetriggerCharacters: []string{","},
			},
			DefinitionProvider:         true,
			ReferencesProvider:         true,
			RenameProvider:             protocol.RenameOptions{PrepareProvider: &yes},
			DocumentSymbolProvider:     true,
			WorkspaceSymbolProvider:    true,
			CodeActionProvider:         protocol.CodeActionOptions{CodeActionKinds: []protocol.CodeActionKind{protocol.CodeActionKindQuickFix}},
			DocumentFormattingProvider: true,
			SemanticTokensProvider:     semanticTokensOptions(),
			Workspace: &protocol.ServerCapabilitiesWorkspace{
				WorkspaceFolders: &protocol.WorkspaceFoldersServerCapabilities{Supported: &yes, ChangeNotifications: &protocol.BoolOrString{Value: true}},
			},
		},
		ServerInfo: &protocol.InitializeResultServerInfo{Name: "promoc", Version: &version},
	}, nil
}

// initialized loads the rule sets of the workspace folders, so that their
// diagnostics and symbols are known before any file is opened.
func (s *Server) initialized(*glsp.Context, *protocol.InitializedParams) error {
	s.mu.Lock()
	roots := s.roots
	s.mu.Unlock()
	s.loading.Add(1)
	go s.loadRoots(roots)
	return nil
}

func (s *Server) didChangeWorkspaceFolders(_ *glsp.Context, p *protocol.DidChangeWorkspaceFoldersParams) error {
	var added []string
	for _, f := range p.Event.Added {
		if dir, ok := uriPath(f.URI); ok {
			added = append(added, dir)
		}
	}
	s.mu.Lock()
	s.roots = append(s.roots, added...)
	s.mu.Unlock()
	s.loading.Add(1)
	go s.loadRoots(added)
	return nil
}

func (s *Server) shutdown(*glsp.Context) error {
	s.close()
	s.mu.Lock()
	s.down = true
	s.mu.Unlock()
	return nil
}

// errorf makes the error a handler returns for a request it cannot answer.
func errorf(format string, args ...any) error {
	return &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}
