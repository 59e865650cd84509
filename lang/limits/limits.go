// Package limits is the one table of the bounds that promoc enforces on rule
// sets, inputs and tests, so that a hostile or mistaken file or document
// costs a bounded amount of memory and time. The command line, the runtime
// and the language server all read these constants; spec/limits.md lists
// them for readers, and a test keeps the two equal.
//
// A breach is reported as a diagnostic (for source text) or as an
// invalid-input error naming the limit (for inputs), never as a crash.
package limits

import "time"

// Source text.
const (
	// FileBytes bounds one .promo file, rules or tests, and one test
	// fixture: what reading and lexing cost. The largest real rule file
	// known is 46 KB; a rule set of a million lines is about 21 MB.
	FileBytes = 32 << 20
	// RuleSetBytes bounds all the files of one rule set together, tests
	// included.
	RuleSetBytes = 32 << 20
	// Tokens bounds the tokens and comments of one rule set, tests included,
	// and so of one file: what parsing and checking cost, about 330 bytes
	// of memory a token for ordinary rules and up to about 520 for dense
	// constant arithmetic (1+1+1...), whose every operator is typed and
	// folded. A million lines of ordinary rules are about 4.1 million
	// tokens, 1.4 GB; the worst case is under 2.7 GB.
	Tokens = 5_000_000
	// Declarations bounds the top-level declarations of a rule set.
	Declarations = 100_000
	// Branches bounds the branches of one tiers or check chain.
	Branches = 10_000
	// Fields bounds the attributes of one kind and the properties of the player.
	Fields = 1_000
	// ListElements bounds the elements of one list literal.
	ListElements = 10_000
	// Nesting bounds the brackets, parentheses and braces open at once, and
	// the operators in a row with no operand between them (- - - x).
	Nesting = 200
	// Operators bounds the operators of one expression (with if, default,
	// and, or, not, in and of), and so the depth of its tree.
	Operators = 5000
)

// Numbers, in source text and in inputs alike. A computed value obeys the
// same bounds; a result beyond them is an error outcome.
const (
	// Digits bounds the characters of a number's text.
	Digits = 4000
	// Decimals bounds the digits after the decimal point.
	Decimals = 1000
)

// Times: a date or time, in source text or in an input, lies in
// [MinTime, MaxTime). Inside this range every instant is exact to the
// nanosecond as an int64 count of Unix nanoseconds.
var (
	MinTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Inputs.
const (
	// InputBytes bounds one JSON input document.
	InputBytes = 512 << 20
	// Transactions bounds the transactions of one input.
	Transactions = 5_000_000
	// StringBytes bounds one string value of an input: an id, a game, a
	// category, a custom attribute.
	StringBytes = 1024
	// EventBatch bounds the events promoc run hands the engine at once
	// (--batch): a batch is held in memory and written in one call.
	EventBatch = 100_000
)

// Tests.
const (
	// RepeatRows bounds the transactions that the repeat clauses of one test
	// make together.
	RepeatRows = 1_000_000
)
