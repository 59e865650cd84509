// Package format prints promo source in its one canonical layout, as gofmt
// does for Go: promoc fmt and the language server's formatting use it.
//
// # What comes in, what goes out
//
// [Source] takes a file's name and bytes, parses them, and returns the
// formatted source; a file that does not parse without errors is never
// formatted, and Source returns nil and the diagnostics of [lang.Parse].
// [File] prints a tree that the caller has parsed already, with the source
// it came from: literals and comments are printed from their source text.
//
// # Guarantees
//
//   - The result parses into the same tree as the input, but for positions
//     and the order of settings in a reward, which the checker does not
//     depend on: formatting never changes what a rule set computes, and its
//     bytecode is the same.
//   - Formatting is idempotent: formatting the result again changes nothing.
//   - Every comment is printed exactly once, with its text (trailing blanks
//     removed).
//   - The result depends only on the tree and the source, never on the
//     environment; line ends are "\n", and a non-empty result ends with one.
//
// # The canonical layout
//
// spec/spec.md, section "Formatting", states it for users; in short:
//
//   - One tab per level of braces; no blank line at the start or end of a
//     file or block; a "{" ends its header line after a space, and its "}"
//     is on a line of its own; a block with nothing in it, not even a
//     comment, is {} on the header's line: kind login {}.
//   - One blank line between top-level declarations, except between two
//     consecutive declarations printed on one line (const, template, an
//     empty kind), which keep the author's blank line or its absence, so
//     that a list of constants stays a list. Inside blocks, one blank line
//     is kept where the author had one or more.
//   - One field per line in kind and player blocks: name: type, then
//     default and a value if any.
//   - In a reward, the settings first, in the order window, round, cap,
//     minimum, approval, each with its comments and keeping the blank lines
//     between them; then a blank line; then the statements in source order.
//   - A tier branch whose body is one let, give or skip is one line: above
//     500 EUR: give 5% of bets. Other branches have a block; so does one
//     with one statement that the author wrote in braces with a comment
//     inside them.
//   - An expression is printed on one line, however long: binary operators
//     between single spaces, "-" and "not " before their operand (- -x
//     rather than --x), parentheses exactly where the author put them, ", "
//     between the elements of lists and the arguments of calls, " | "
//     between the amounts of a per-currency value. Literals are printed as
//     written (2.50 EUR stays 2.50 EUR, 1 day stays 1 day, a date keeps its
//     T, t or space), except that one space separates a number from its
//     currency or time unit: 10EUR becomes 10 EUR. Settings and windows have
//     one space between their words.
//   - Tests (lang/testast.go): one clause a line. A transactions table, or
//     an events table, is its header, then one row a line, its columns
//     aligned with two spaces at least between them. A block of fields
//     (player, rates, anchors, repeat, update) that the author wrote on
//     one line stays on one line, the fields two spaces apart: player {
//     currency EUR  vip_level 3 }; otherwise it keeps the author's lines
//     of fields. A table whose row
//     has a number and, on the next line, a currency code or a time unit is
//     printed as written: on one line they would read as one value.
//   - Long lines are not wrapped.
//
// # Comments
//
// The tree does not hold comments; [lang.File.Comments] lists them with
// their spans, and the printer places each one by comparing spans. In a
// block, and at the top level, a comment on the line where an element ends
// stays at the end of that line; one on the line of a "{", before the first
// element, stays after the "{"; one on a line of its own goes above the
// next element, or, after the last one, stays at the end of the block.
// Blank lines between such comments, and between them and their element,
// are kept (at most one). Parts of an element that are printed on one line
// (its expressions, the header of a check or a tier branch) cannot hold a
// comment, which runs to the end of the line: a comment inside them moves
// above the element, after its other comments. Settings move with their
// comments.
//
// # Declarations from a newer version
//
// A declaration type that this package does not know is printed as its
// source text, comments included, so that formatting never loses one.
package format
