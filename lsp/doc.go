// Package lsp is the language server of promo, `promoc lsp`: the Language
// Server Protocol 3.16 on one stream, stdio in the command, pipes in the
// tests.
//
// # What comes in, what goes out
//
// The client opens, changes (incremental sync: ranges in UTF-16 code
// units, or the full text) and closes .promo files. A directory is one rule
// set, as for `promoc check`: its rule files on disk,
// each replaced by its open buffer when there is one, analyzed together by
// [runtime.AnalyzeParsed], the analysis `promoc check` uses, so that names
// declared in one file resolve in the others and a syntax error in one file
// does not stop the others. Its *_test.promo files are checked against the
// rule set by compiler.CheckTests, as `promoc test` does, once the rule set
// checks. The rule sets of the workspace folders are analyzed at start;
// the search for them is bounded (20,000 directory entries, 8 levels, 200
// rule sets; no testdata, vendor or node_modules directories, none whose
// name starts with . or _), so that a
// folder of file:/// costs little. Files are read from disk only if regular
// and within lang/limits.FileBytes.
//
// Out go the diagnostics of every file of a rule set after each change
// (cleared when they go away, with the version of the open document), and
// the answers to hover, completion, signature help, definition, references,
// prepareRename and rename, document and workspace symbols, code actions,
// formatting, and semantic tokens of a file or a range (semantic.go:
// keywords, kinds and types, builtins and rewards, consts and lets,
// attributes and properties, currency codes, numbers, strings, comments,
// operators; from the lexer's tokens, the names classified by the
// analysis). The players of an event-sequence test are names of the test,
// not of the rule set: testplayers.go answers hover, definition,
// references and rename on them from the test's own tree.
//
// # How
//
// [Server] fills one glsp protocol.Handler; rpc.go connects it to a
// JSON-RPC connection (sourcegraph/jsonrpc2, which glsp uses), so that the
// same code runs over stdio and the pipes of the tests. One file per
// feature, each handler a little glue: get the snapshot, ask lang and
// compiler, convert. Byte offsets become UTF-16 positions in mapper.go and
// nowhere else.
//
// Each change bumps its rule set's generation and (re)starts a debounce
// timer (50ms by default); the analysis runs on the timer's goroutine with
// the sources as they are then, parses again only the files whose text
// changed, and within them only the top-level declarations whose text
// changed ([lang.Reparser]: the others are kept, their positions moved),
// and publishes. The result is an immutable snapshot that handlers read
// without locks; formatting prints its tree. A request that needs positions in the current text
// (hover, definition, rename, ...) analyzes at once if a change is pending;
// completion and signature help do not wait: they read the place of the
// cursor from the tokens of the current text (lang.Tokens), which works on
// the half-typed lines that do not parse, and take the names from the
// latest analysis, completed by the latest in which every file parsed.
//
// Rename (rename.go) refuses a new name that is a keyword, is taken, or
// would change what a name in a where clause means, where a bare name is
// the kind's attribute before a let or a constant: a let or a constant
// read there renamed to an attribute of the kind, or an attribute renamed
// to the name of a let or a constant read there.
//
// Automation rules and campaigns (rules.go, rulecompletion.go) are in the
// outline with the rewards they give, completed clause by clause, and
// hovered with what they give and what runs them; the
// rewards named by give and by a split's variants are references like any
// name, so that definition, references and rename follow them. Offers
// (offers.go) are in the outline with their reference and custom fields,
// hovered with their declaration, what their flags mean and the rules that
// give them, completed clause by clause (and after give offer, and in a
// test's vouchers clause), and followed by definition, references and
// rename like any name. Attribution declarations (attribution.go) are in
// the outline by the offer they are for, with their window; hovered with
// their window, half-open, and the offers it applies to; and
// completed word by word, with the units of the window and the references
// of the rule set's offers.
//
// The documentation of keywords, windows, rounding modes, result kinds,
// aggregations and types is cut out of spec/spec.md at start (specdoc.go):
// the reference is the one source of truth, and a test fails when a change
// of it leaves a keyword without documentation.
//
// # Guarantees
//
// Messages are handled in order, one at a time. A panic in a handler is
// recovered, logged and answered with an internal error; a malformed
// message (invalid JSON, a batch, an id that is an object, a bad
// Content-Length) is answered with a parse error or an invalid request, and
// the next one is read (stream.go); a panic of the checker leaves the
// syntax errors published and the server running. The log never goes to
// the protocol's stream. FuzzEdits drives random edits, binary garbage
// included, whole texts and ranges, through the protocol, and compares the
// diagnostics with those of a full parse and check.
package lsp
