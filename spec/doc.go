// Package spec embeds the reference documents of promoc for the programs
// that show or use parts of them: the language reference, spec.md, for the
// language server's hover, and the JSON Schemas of the input and result
// documents (schema/*.schema.json) for hosts that validate what they send or
// receive. The files are the one source of truth; nothing is copied out of
// them by hand.
//
// The other documents of this folder are for people: semantics.md says what
// promoc computes and why (money, the outcome pipeline, windows, inputs, and
// what is not implemented yet), design.md sketches the declarations to
// come, grammar.ebnf is the grammar, kept equal to the parser's by a
// test, and limits.md is the table of limits, kept equal to lang/limits by
// a test of that package. The tests of this package check the schemas against every example
// input and against real results of every example reward.
package spec

import "embed"

// Markdown is the text of spec.md.
//
//go:embed spec.md
var Markdown string

// Schemas holds the JSON Schemas (draft 2020-12) of the documents promoc
// reads and writes: schema/input.schema.json, the input document of
// spec.md section 12, whose $defs/transaction is also one line of a JSON
// Lines transactions file; and schema/result.schema.json, the result
// document `promoc eval` prints.
//
//go:embed schema/*.schema.json
var Schemas embed.FS
