// Promoc checks, evaluates and disassembles rule sets written in the promo
// language.
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
//	promoc version
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
// Each diagnostic is followed by its source line and a caret under its
// column (the tabs of the line are kept in the padding, so the caret lines
// up whatever the tab width); a related location follows as a "note" line
// with its own caret. Paths are relative to the current directory, with
// forward slashes. When there are diagnostics, a summary such as "2 errors,
// 1 warning" goes to stderr.
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
// spec/spec.md, "The input document"), evaluates the reward and prints the
// result document as indented JSON on stdout. --trace adds the trace: the
// window, the branches taken, the lets and the aggregations.
//
// The outcome is data, not a failure: eval exits with 0 whether the reward
// was calculated, skipped, or ended in an error outcome such as
// missing-property or invalid-input (input that decodes, but that the rule
// set rejects, such as an undeclared transaction kind). Compile errors are
// printed on stderr as check prints them, and compiler warnings too.
//
// # disasm
//
// Disasm compiles the rule set of PATH and prints the bytecode of the named
// reward, or of every reward.
//
// # version
//
// Version prints "promoc VERSION (GOVERSION)": the main module's version,
// (devel) when built from a working tree, and the Go version of the build.
//
// # Exit codes
//
//	0  success, including a skipped or error outcome of eval, and warnings
//	1  diagnostics with errors, or an evaluation that failed
//	2  bad usage: an unknown command or flag, a missing or extra argument,
//	   an unreadable file or directory, a PATH without rule files,
//	   malformed input JSON, an unknown reward
//
// Messages on stderr start with "promoc: ". A panic is reported as
// "promoc: internal error: ..." with exit code 2, never as a stack trace.
package main
