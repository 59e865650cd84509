// Promoc checks, tests, formats, evaluates and disassembles rule sets
// written in the promo language, works the state of their campaigns:
// players, budgets, suspensions and approvals, and serves them as an HTTP
// API.
//
// A rule set is the rule files of one directory: its *.promo files, except
// the *_test.promo files, not recursively. They are checked and compiled
// together, so a rule file can use the kinds, player properties, templates
// and constants declared in the others (usually a schema.promo). Each
// directory is a rule set of its own.
//
// Usage:
//
//	promoc check [--format text|json] PATH...
//	promoc eval PATH --reward NAME --input FILE [--trace]
//	promoc disasm PATH [--reward NAME]
//	promoc fmt [-l] [-d] [-w] [PATH...]
//	promoc test [-v] [--run REGEX] [--format text|json|junit] [--coverage] PATH...
//	promoc init DIR
//	promoc lsp [--log FILE] [--debounce DURATION]
//	promoc run DIR --events FILE.jsonl [--db FILE|URL] [--until TIME] [--trace] [--batch N]
//	promoc players import FILE.jsonl [--rules DIR] [--db FILE|URL]
//	promoc campaigns status [NAME] [--json] [--db FILE|URL]
//	promoc campaigns suspend NAME [--reason TEXT] [--db FILE|URL]
//	promoc campaigns resume NAME [--db FILE|URL]
//	promoc campaigns budget NAME AMOUNT [CURRENCY] [--db FILE|URL]
//	promoc approvals list [--json] [--db FILE|URL]
//	promoc approvals approve KEY [--json] [--db FILE|URL]
//	promoc approvals reject KEY [--reason TEXT] [--json] [--db FILE|URL]
//	promoc approvals recalculate DIR [--db FILE|URL]
//	promoc serve DIR [--db FILE|URL] [--addr HOST:PORT] [--tls-cert FILE --tls-key FILE]
//	promoc keys create --role ROLE [--name TEXT] [--db FILE|URL]
//	promoc keys list [--json] [--db FILE|URL]
//	promoc keys revoke ID [--db FILE|URL]
//	promoc offers add REF [--vouchers] [--sync] [--name TEXT] [--description TEXT] [--db FILE|URL]
//	promoc offers assign OFFER PLAYER... [--db FILE|URL]
//	promoc offers confirm ASSIGNMENT CODE [--rules DIR] [--db FILE|URL]
//	promoc vouchers import OFFER FILE [--rules DIR] [--db FILE|URL]
//	promoc version
//	promoc completion bash|zsh|fish|powershell
//
// # check
//
// Check parses and type-checks rule sets and prints their diagnostics on
// stdout, sorted by file and position, one per line:
//
//	rules/cashback.promo:5:7: error: cannot add Percent and Money [invalid-type]
//	    	give 5% + bets
//	    	     ^
//
// At a terminal, each diagnostic is followed by its source line and a caret
// under its column (the tabs of the line are kept in the padding, so the
// caret lines up whatever the tab width), as above; into a pipe or a file
// the output is exactly one line per diagnostic, for the tools that read it.
// PROMOC_CARETS=always or PROMOC_CARETS=never overrides the choice. A
// related location follows as a "note" line. Paths are printed as given,
// with forward slashes. When there are diagnostics, a summary such as "2
// errors, 1 warning" goes to stderr.
//
// A PATH is a directory (its rule set), DIR/... (the rule sets of DIR and of
// every directory below it that has rule files, skipping testdata and
// directories beginning with . or _, as Go does), or a rule file. A rule
// file is checked as part of its directory's rule set, since it needs the
// schema declared there, but only its diagnostics are printed; errors in the
// other files of the rule set are counted in a note on stderr, and fail the
// check too, since they can hide the file's own errors.
//
// With --format json, check prints a JSON array ([] when clean) of objects
// with the fields file, line, col, end_line, end_col, severity, code,
// message and related (an array of objects with file, line, col, end_line,
// end_col and message), and no carets or summary.
//
// # eval
//
// Eval compiles the rule set of PATH (a directory, or a rule file standing
// for its directory), decodes the JSON input document of FILE (- for stdin;
// spec/spec.md#input), evaluates the reward and prints the
// result document as indented JSON on stdout. --trace adds the trace: the
// window, the branches taken, the lets and the aggregations.
//
// Every problem of the input document (malformed JSON, a field of the wrong
// type, an unknown kind, currency or time zone, a document over
// lang/limits.InputBytes) is reported the same way: a result document with
// outcome error, reason invalid-input and a detail that starts with the
// field's path. Eval exits with 0 when the reward was calculated or
// skipped, and with 3 when the result's outcome is error (invalid-input,
// missing-property, currency-mismatch, ...), the result printed all the
// same. Compile errors are printed on stderr as check prints them (exit 1),
// and compiler warnings too.
//
// # disasm
//
// Disasm compiles the rule set of PATH and prints the bytecode of the named
// reward, or of every reward.
//
// # fmt
//
// Fmt prints .promo files, rule and test files, in the canonical layout of
// spec/spec.md#14-formatting (package lang/format). A PATH is a .promo file,
// a directory (its .promo files, not recursively) or DIR/...; without PATH,
// fmt formats stdin. Without flags it prints the formatted sources; -l lists
// the files whose formatting differs, -d prints a minimal unified diff
// (Myers' algorithm; past a work budget, Myers between the lines unique to
// both files, as patience diff anchors them), -w rewrites
// the files in place, atomically (a temporary file renamed over the file,
// with the file's mode). With -l or -d and without -w, fmt exits with 1 when
// a file differs, so that CI can gate on promoc fmt -l. A file that does not
// parse is reported on stderr as check reports it, left untouched, and
// makes fmt exit with 1, as a syntax error makes check exit with 1.
//
// # test
//
// Test runs the tests of rule sets: the test declarations of their
// *_test.promo files (spec/spec.md#15-tests; package runtime/promotest). A
// PATH is a directory, DIR/... (every directory below with test files), a
// test file (its tests only) or a rule file (its directory's tests). The
// tests run in parallel and are reported in file and source order: each
// failed one with its expects, expected and actual side by side, and the
// trace of its evaluation; with -v, each passed one on a line. The last
// line is "N passed, N failed". --run selects tests by name, --coverage
// adds the branches of each reward no test took (tiers, checks held and
// failed, the sides of each if), and --format json or junit
// prints a JSON document or JUnit XML. Test exits with 0 when all pass, 1
// when one fails or when no test ran, and 2 on bad usage or when a file
// does not parse or check, or a fixture cannot be read (printed on stderr
// as check prints diagnostics).
//
// # Paths and files
//
// For check, test and fmt alike, a DIR is one rule set, not a tree, as a Go
// package is for the go command; DIR/... is the tree. A directory without
// .promo files is refused (exit 2), with DIR/... suggested when the
// directories below it have some. Paths are printed as they were given:
// cleaned, with forward slashes, absolute when given absolute. Rule files,
// test files and fixtures are read only if they are regular files, within
// the limits of lang/limits (32 MiB a file and a rule set); a fixture
// is read from its test's directory or below, never through a symbolic link
// out of it.
//
// # init
//
// Init writes a starter rule set into DIR: schema.promo, welcome_bonus.promo
// (one reward), welcome_bonus_test.promo (its tests) and input.json (an
// input document for eval). It passes check and test as written. Init
// overwrites nothing: it writes no file when DIR holds one of these files
// or any .promo file already.
//
// # lsp
//
// Lsp runs the language server (package lsp) on stdin and stdout, for an
// editor to start: the diagnostics of check as the files change, and
// hover, completion, definition, references, rename, outlines, formatting
// as fmt does, signature help and quick fixes. The log goes to stderr, or
// with --log to a file; --debounce is the wait after a change before the
// rule set is checked again (50ms). It exits with 0 after the client's
// shutdown and exit, 1 when the client leaves without shutdown.
//
// # The database: --db
//
// The commands on the state of campaigns and automation rules (package
// runtime/store) take --db: an SQLite file, promoc.db in the working
// directory by default, or a postgres:// or postgresql:// URL (a PostgreSQL
// database several engine processes share). The commands that write
// (run, players import, campaigns suspend, resume and budget, offers add)
// create a missing SQLite file; those that only read or decide (campaigns
// status, approvals, offers assign and confirm, vouchers import)
// refuse it, rather than make an empty database out of a mistyped name. A
// file or schema that is not promoc's, or was written by a newer promoc, is
// refused with exit 2 and left as it was. Messages name the database (a
// URL without its password).
//
// # run
//
// Run compiles a rule set and feeds an event log (JSON Lines, - for stdin,
// read as a stream by engine.DecodeEvents) through its automation rules
// and campaigns with runtime/engine, keeping their state in the database.
// It prints each outcome (engine.Outcome) as a JSON line on stdout, then a
// summary on stderr: events read and duplicates, outcomes by status and
// reason, totals issued per currency, time taken and events per second; a
// progress bar on stderr while a long log is read at a terminal. Time
// follows the log: before each event, what is due by its time (a schedule
// on its zone's wall clock, a player's inactivity, a waiting result's
// approval timeout) fires, in order
// (Engine.NextDue, Engine.Advance); the first event's time puts the
// schedules and new inactivity rules into service; --until runs the clock
// on after the last event.
// Events are handed to the engine in batches of --batch, cut short where
// something falls due. A bad event is an error naming its line and field;
// its batch is not stored, the batches before it are. Replaying a log
// gives no outcome. On SIGINT the current batch is finished, the summary
// printed, and run exits with 1.
//
// # players import
//
// Players import reads players from a JSON Lines file (- for stdin), one
// player object of the input document a line, and stores them, replacing
// the stored players of the same ids; the store keeps each as the record
// runtime.EncodePlayer writes. It is read strictly (runtime.DecodePlayers):
// an unknown or repeated key, a value of the wrong type, a number with an
// exponent, an unknown currency or time zone, a missing id, or an id seen
// on an earlier line is an error naming the line and the field. With
// --rules DIR, the properties are checked against the player properties of
// the rule set of DIR. The whole file is checked before anything is
// written, so one bad line imports nothing; players are then written a
// thousand to a transaction, and import prints "imported N players".
//
// # campaigns
//
// Campaigns status prints, for campaign NAME or for every campaign with a
// budget or a status, whether it is active or suspended, since when and
// why, and per currency of its budget the limit, what is posted, reserved
// and left, as a table or with --json as JSON (amounts as exact decimal
// strings). Suspend stops a campaign (--reason, "operator" by default);
// resume makes it active again. Budget opens or changes the limit of a
// campaign's budget in a currency: an exact decimal with at most
// store.Scale (8) decimals, never below what is posted and reserved;
// raising the budget of a campaign suspended because it ran out makes it
// active again.
//
// # approvals
//
// Approvals list prints the results waiting for manual approval, oldest
// first: the KEY (rule/action/player/trigger hash), amount, currency,
// rule, player and time, or with --json a JSON array. Approve KEY issues
// one (its reservation is posted from the budget); reject KEY drops it
// (the reservation goes back; --reason is logged). A result is decided
// once: a KEY that does not wait is an error (exit 1). Recalculate DIR
// evaluates every waiting result again with the (changed) rule set of DIR
// (engine.RecalculateIn, one transaction): a result still calculated waits
// with its new amount, reserved anew; one no longer calculated is rejected.
// Decisions and recalculations, like the changes of campaigns (suspend,
// resume, budget), are written with their entry in the audit log (actor
// cli), as the API's are.
//
// # serve
//
// Serve runs the automation rules and campaigns of DIR as a JSON API over
// HTTP (runtime/server): events in, outcomes out, approvals, campaigns,
// players' state, stateless evaluation, with a scheduler inside. It
// listens on --addr (127.0.0.1:8080), on the database of --db (made when
// missing), prints where it listens and, while the database has no API
// key, how to make the first; each flag not given is read from PROMOC_ and
// its name (PROMOC_ADDR, PROMOC_DB...). SIGTERM or SIGINT stops it
// gracefully, with exit 0. The endpoints and roles are in the README.
//
// # keys
//
// Keys creates (printing the key once; the database keeps its SHA-256
// hash), lists and revokes the API keys of serve, each of a role: viewer,
// operator, approver or admin.
//
// # offers and vouchers
//
// Offers add stores an offer (--vouchers: every assignment takes a voucher
// code; --sync: a point-of-sale system confirms each assignment). Vouchers
// import reads codes, UTF-8, one a line, no header; a blank line, a code
// over 100 characters, a control character in a code or text not in UTF-8
// rejects the whole file naming the line; repeats, in the file or imported before, are ignored and
// counted, and the summary says how many codes were imported, ignored and
// left unassigned. Offers assign gives an offer to players in one
// transaction, all or none, and prints the assignments; a code is never
// assigned twice. Offers confirm records a point of sale's confirmation of
// an assignment with its own code; with --rules DIR the confirmation is also
// an event of kind offer_confirmed that the rules of DIR handle, and their
// outcomes are printed as JSON lines. Vouchers import --rules DIR stores the
// offers a rule set declares (as the engine does when it starts) before it
// imports, so that a declared offer's codes can be imported before the
// rules first run.
//
// # version
//
// Version, and promoc --version, print "promoc VERSION (revision REV, TIME)
// GOVERSION" from the build information: the main module's version ((devel)
// when built from a working tree), the VCS revision and time of the build
// (", modified" for a tree with uncommitted changes; "revision unknown"
// without VCS information), and the Go version of the build.
//
// # completion
//
// Completion bash|zsh|fish|powershell prints the shell's completion script
// (cobra's), which completes commands and flags through promoc itself.
//
// # Exit codes
//
//	0  success, including a skipped outcome of eval, and warnings
//	1  diagnostics with errors, an evaluation that failed, a failed test,
//	   no test to run; refused input: a bad line of a file, an unknown
//	   offer or assignment, a status event of a bonus kept as an anomaly
//	   (bonuses status and import alike), a database that failed
//	2  bad usage: an unknown command or flag, a missing or extra argument,
//	   an unreadable file or directory, a PATH without rule files, an
//	   unknown reward; for test, a file that does not parse or check, or a
//	   fixture that cannot be read; a database that is not promoc's, is
//	   newer, or (for the commands that only read) does not exist
//	3  eval: the result's outcome is error, such as invalid-input
//
// Messages on stderr start with "promoc: ". A panic is reported as
// "promoc: internal error: ..." with exit code 2, never as a stack trace.
package main
