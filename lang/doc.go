// Package lang is the front end of promo: it turns the source of one .promo
// file into a syntax tree, and reports syntax errors as [Diagnostics].
//
// # What comes in, what goes out
//
// [Parse] takes a file name and its bytes and returns a *[File] and the
// diagnostics, sorted by position. The File is never nil. When the source
// parses, the File holds every declaration, in source order, and every
// comment; the tree is then ready for compiler.Check. After a syntax error
// the File holds the complete declarations before the error, so that an
// editor can still show an outline, and the caller must not check it.
//
// A [Reparser] parses successive versions of one file, as an editor sends
// them, and parses again only the top-level declarations whose text
// changed, moving the others (fragment.go); its result is exactly Parse's.
//
// The same grammar reads test files (*_test.promo): a [TestDecl] is a list
// of clauses (testast.go); which declarations a file may hold is for the
// checker to say.
//
// Automation rules and campaigns are a [RuleDecl], a list of clauses
// (ast_campaign.go, rulegrammar.go, rulebuild.go), which runtime/engine
// runs. A schedule's cron text is kept as written, with its span, for that
// engine's scheduler. Offers are an [OfferDecl], a list of [OfferClause]s
// (ast_offer.go, offergrammar.go, offerbuild.go); a rule gives one with a
// [GiveOfferClause].
//
// [Walk] and [Inspect] visit a tree in source order, and [PathAt] finds the
// nodes enclosing an offset, for editors. [EBNF] prints the grammar;
// spec/grammar.ebnf is a copy of it.
//
// # Guarantees
//
//   - Parse never panics, whatever the input; it is safe for concurrent use,
//     as the one participle parser it uses is immutable. To bound the depth
//     of recursion, in the parser and in every consumer of the tree, it
//     rejects brackets nested more than 200 deep, more than 200 operators
//     in a row (- - - x) and expressions of more than 5000 operators, far
//     beyond any real rule; and so that a literal costs no more than its
//     reading, numbers of more than 4000 characters or 1000 decimals. Each
//     is a diagnostic with code [CodeExceededLimit] naming the limit of
//     lang/limits (spec/limits.md lists them), and stops the parse as a
//     syntax error does.
//   - Every node's span is exact: it starts at the node's first byte and
//     ends just after its last one, comments and blanks around it excluded;
//     children lie within their parents, and nodes within the file. Offsets
//     count bytes; lines and columns are 1-based and count bytes too.
//   - A syntax error found by the grammar stops the parse and makes exactly
//     one diagnostic, with code [CodeBadSyntax], at the offending token,
//     saying in words what was expected and what was found, never in grammar
//     or token names: `expected "{" after the reward's result type, found
//     "let"`. A lexical error (a stray character, an unterminated string) is
//     reported the same way. A few rules are checked while building the
//     tree (unknown type names, aggregation forms, chained comparisons, a
//     misplaced not, whole decimals); they too are [CodeBadSyntax], one
//     diagnostic each. Common mistakes are named as such (hints.go): a
//     "=" in a condition, a string in single quotes, a misspelt keyword,
//     an if without else (reported at the if), an amount without its
//     currency in a per-currency value, a keyword reserved for later, a
//     window length in months, in a fraction of a unit or without a unit,
//     a comment begun with # or /*,
//     a currency code of the table in small letters, a decimal comma (or a
//     thousands separator), a number with an exponent, and what text
//     copied from a document brings along (typographic quotes, dashes and
//     spaces, invisible characters, comparison signs, currency symbols,
//     in lexer.go); where the fix is certain, [Diagnostic.Suggestion]
//     holds it. Invalid literals, such as the date 2026-02-30, are
//     [CodeBadLiteral].
//   - The tree is never modified after Parse returns; later stages keep
//     their results in side tables.
//
// # How
//
// The grammar is a set of participle structs (grammar.go) read by one
// parser built at init. They are a parsing detail: build.go turns them into
// the AST of ast.go, and nothing outside this package sees them. The parser
// runs without lookahead, so it commits to an alternative at its first
// token and reports an error where it happens (the grammar is LL(1)); errors.go rewrites
// participle's errors, which name grammar productions, into messages.
//
// Expressions, most of a rule file's tokens, are the one production that
// participle hands to a parse function of ours (exprparse.go, through
// participle.ParseTypeWith): it reads participle's tokens by recursive
// descent, without participle's reflection, and reports errors as
// participle would. It reads them as a flat list of operands and
// operators, whose grammar EBNF prints with the rest; build.go groups the
// list by precedence climbing into [BinaryExpr] and [UnaryExpr] nodes. From loosest
// to tightest, all binary operators being left-associative:
//
//	or
//	and
//	not x                          (prefix)
//	== != < <= > >= in, not in     (non-associative: a < b < c is an error)
//	+ -
//	* / of
//	-x                             (prefix)
//	x%                             (postfix: x read as a percentage, a [PercentExpr])
//	literals, names, kind.attr, calls, (x), [list], if-then-else, player.prop
//
// A not may start an expression or follow and, or or another not; after a
// comparison or an arithmetic operator it needs parentheses: a == (not b).
// The default of a player property is a unary operand: player.x default 0 +
// 1 is (player.x default 0) + 1. The right side of in is parsed like any
// operand of its level; the checker requires a list literal there, and
// allows lists nowhere else.
//
// A call of sum, count, avg, first or last is an [AggregateExpr]; so is a
// call of min or max with one argument that is kind.attr or has a where
// filter. Other calls are [CallExpr]s. The argument of an aggregation is
// kind.attr, or for count a bare kind; where may only filter aggregations.
//
// # Lexical elements and keywords
//
// Source text is UTF-8: a byte order mark at the start is skipped, and a
// NUL, a byte that is not UTF-8 or a bidirectional control character
// (Trojan Source) is a syntax error wherever it is, strings and comments
// included, and an invisible character (a zero-width space) in a string
// too. A line ends at a newline, a carriage
// return and newline, or a carriage return alone; lines are numbered so.
// Blanks and newlines only separate tokens. Comments run from // to the end
// of the line. Literals: dates (2026-11-01, 2026-11-01 10:00, with
// optional seconds; checked against the calendar), money (10 EUR, 2.735
// EUR: digits, optional blanks, a three-letter upper-case code), durations
// (7 days, 1 day, 90 minutes; also hours and weeks), percentages (5%),
// numbers (12, 0.5) and strings in double quotes with the escapes \" \\ \n
// and \t.
//
// Keywords come in two sorts. Reserved keywords begin a declaration, a
// setting, a statement or a tier branch (kind player template const reward
// window round cap minimum approval let give skip check tiers above at
// below else), are expression syntax (if then where not and or in of true
// false now default), begin a test (test), begin automation rules,
// campaigns and their clauses (automation campaign trigger segment budget
// split every schedule), or are kept for later (payout). Contextual keywords (least most first last full day week
// weekend month transaction qualification since entrance zone to from
// between decimals auto manual nearest down up amount points gems diamonds
// balance leaderboard level currencies, and the words of tests: expect transactions
// repeat load rates anchors calculated skipped error branch aggregation
// matched ids events advance update approve reject outcome waiting rejected left suspended active
// group, and those of rules: on inactive variant control seed send with
// issued rewards messages message per, and those of offers: offer reference
// name description requires vouchers needs synchronization image web field)
// are keywords only where the grammar expects them, as after
// window, after the reward's colon or in a test, and are names elsewhere:
// that is what makes last(deposit.amount) and sum(deposit.amount where
// amount > 100 EUR) work, and lets everyday words name a kind, template,
// const, reward or let (reward weekend, let week). No reserved keyword can
// be declared as a name: "give is a keyword and cannot be a name". Any word,
// reserved or not, may name a field in a kind or player block, a property
// after player., and an attribute after a dot; a field whose name is a
// reserved keyword can then only be read as kind.attr, not by its bare name
// in a where filter. (One corner: right after a field with a default, a
// field cannot be called and, or, in, of or not, which would continue the
// default's expression.) Type names (money, number, count, percent, bool,
// string, time, duration) and builtin names (sum, min, max, ...) are not
// keywords.
//
// A time zone may follow any calendar or fixed window, and also a
// time-back window such as last 7 days, where it has no effect: the parser
// keeps it in the tree and leaves any warning to the checker.
package lang
