// Package promotest runs the tests of promo rule sets: the test
// declarations of their *_test.promo files (spec/spec.md, "Tests").
//
// A rule set is one directory: its rule files (*.promo) and its test files
// (*_test.promo). [New] (or [Load], from an [io/fs.FS]) parses and checks
// both, with [compiler.CheckTests] for the tests, reads the fixtures the
// tests load, and compiles the rules once into a [runtime.Program]. Syntax
// errors, check errors, unreadable fixtures and fixture transactions that
// do not fit the schema (named by file, line and field) make it fail with a
// [*runtime.Error] holding every diagnostic: a broken rule set runs no test.
// Files and fixtures are read with [runtime.ReadFile]: regular files only,
// within lang/limits.FileBytes each and RuleSetBytes in all; a fixture is
// read from its test file's directory or below, through an [os.Root], so
// that no symbolic link leads out of it.
//
// [Run] evaluates every selected test of one or more suites on a pool of
// GOMAXPROCS workers. Each test builds its [runtime.Input] from its clauses
// (fixtures first, then the inline clauses in source order), evaluates its
// reward with the trace on, and compares each expect clause with the
// result. An event-sequence test (one that names an automation rule or a
// campaign, sequence.go) runs on a SQLite store of its own, in a temporary
// directory, through the campaign engine (runtime/engine): its players are
// stored, its budgets set, the voucher codes of its vouchers clauses
// imported, and its steps run in source order (events in
// time order, each after the clock has run to it; advances; expects judged
// against the rule's outcomes so far and the store, seqexpect.go). The
// [Report] lists the tests in a fixed order (suite, file,
// position) whatever the scheduling, so its output is deterministic; it
// writes itself as text (failures with expected and actual side by side and
// the trace, or a rule's outcomes), JSON or JUnit XML, and holds the branch
// coverage of each reward, and the triggers and limits each rule's tests
// reached, when asked. A failed reward test whose evaluation ends in an
// invalid-input error on a transaction says where that transaction is (a
// fixture's line, a row of the test, a repeat).
package promotest
