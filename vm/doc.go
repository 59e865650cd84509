// Package vm evaluates compiled rewards: one reward's formula against one
// player's prepared data, then the fixed outcome pipeline.
//
// # What comes in
//
// A [Program], built by the compiler's lowering: the schema (transaction
// kinds with typed attributes, player properties), the constant tables
// (interned strings, values, per-currency amounts, lists, bonus templates)
// and the rewards. A [Reward] is fixed-width bytecode ([Instr]: an [Opcode]
// and an int32 argument, with one source span per instruction), the
// descriptors of its aggregations, its window, rounding, cap, minimum and
// approval. The hidden rewards of [Program.Conds], the conditions of
// automation rules and campaigns, are rewards like the others, validated
// and prepared for, but not listed among the program's rewards. The opcodes, each with its stack picture, are listed in
// opcode.go. [Program.Validate] checks a program once, before its first
// run: every table reference in range, every path of the code with a
// consistent stack that ends in give, skip or no_branch, filter code that
// only reads and only jumps forward; and it computes the exact stack depth
// each reward needs. The machine runs only validated programs, which is why
// it can trust the code and still never panic.
//
// Where clauses come as aggregation descriptors ([Aggregation]): a
// conjunction of simple terms (column, comparison, constant, local or
// property),
// evaluated first, then optional filter code for the rest. The machine
// compiles the terms once per run against the player's columns: in and not
// in become a bitmap over interned ids (or a sorted set, for values too far
// apart; over a string column, when the program and the data have few
// strings, a table of every interned id, one load per row), a lower and an upper bound on one column one range test, != on
// one column a not-in set, and the terms run cheapest and most selective
// first. A term whose operand cannot be compared (a currency mismatch, a
// per-currency constant without the player's currency, a missing
// property) traps only when a
// row reaches it, as evaluating the clause row by row would; such a term
// is a barrier that no other term moves across, so the rows it sees, and
// the error a rule reports, are those of the source order.
//
// An [Input] per player: the player (currency, time zone, properties),
// the transactions, the evaluation time, the anchors of rule-relative
// windows and optional conversion rates. [Prepare] turns it into [Data]
// once, for all rewards of the program: transactions deduplicated by id,
// converted into the player's currency, split by kind, sorted by time and
// stored as typed columns (strings interned, so that `game == "Gold Quest"`
// compares two integers; numbers as int64 coefficients at a common scale
// whenever they fit). Bad input is an [*InputError] with a field path.
// [Prepare] is made of a [Builder], which a host or a decoder can also feed
// directly, one transaction and one typed column value at a time, without a
// map per transaction: it appends each transaction to its kind's columns in
// amortized constant time (late ones are merged in when the data is next
// handed out), so that a new event does not prepare a player's history
// again; it can store only the columns the rewards read; and it is reset
// and reused from one player to the next. Ids that rise (sequence numbers,
// time-ordered ids) cost no deduplication work, and a host that looks its
// attributes up once as [AttrRef]s sets each value in one call.
// [Builder.DataInto] hands the data out in a Data an earlier call returned,
// so that a host preparing input after input (the engine, event after
// event) allocates nothing for it; that Data's previous contents are then
// gone, so the host must be done with them (see Concurrency below).
//
// # What goes out
//
// [Machine.Run] returns a [Result]: Calculated with the value (money in the
// player's currency, points, or a template) and whether approval is
// manual; Skipped with a stable reason code and a human detail (an explicit
// skip, no branch matched, no matching transactions, zero or negative
// before or after rounding, below the minimum); or Error with a reason
// (currency mismatch, division by zero, a missing property, no per-currency
// value for the player's currency, a window that cannot be resolved or is
// longer than 31 days, the step budget, a cancelled context). Evaluation
// problems are outcomes, not Go errors: Run returns an error only for
// misuse, such as a reward from another program. With [Options.Trace] the
// result carries a [Trace]: the window, the branches taken, the value of
// each let, and each aggregation's matched transaction ids.
//
// # Guarantees
//
// Exactness: numbers are [num.Dec] decimals, never floats. Addition,
// subtraction and multiplication are exact, falling back from int64 to
// math/big instead of overflowing; division rounds to 16 fractional digits,
// half away from zero; rounding uses the reward's mode. Sums of int64
// columns accumulate in 128 bits, so they are exact without a second pass.
// Numbers larger than thousands of digits end the run with "out-of-range"
// rather than exhausting memory.
//
// Bounded work: a run takes at most [Options.MaxSteps] steps
// ([DefaultMaxSteps], 10 million, unless the host sets another budget),
// and a step's cost is bounded, so the budget bounds the time. A step is one
// instruction, of the formula or of filter code on one row; one pass of a
// typed term loop or a reduction over 16 rows (over 4 for a set searched
// by halves); one row of a decimal or text comparison; one element of a
// list, compiled or compared. Work on numbers beyond int64 counts extra
// steps growing with the square of their length in words, the way
// multiplication, division and formatting cost. BenchmarkStepCost runs the
// costliest case of each kind to the budget: on the 2-core machine of the
// benchmarks, heavily loaded, no kind took more than about 50 ns a step,
// and plain instructions take a few, so the default budget bounds a run to
// well under a second. The machine checks the budget and the context every
// 1024 steps and at backward jumps, builtin calls, aggregations and chunks
// of 2048 rows, so a cancelled or expired context ends a run within
// microseconds. (A comparison and the conditional jump on its result run
// as one dispatch, and still count two steps.)
//
// No allocation: without tracing, a run allocates nothing (the benchmarks
// check it with testing.AllocsPerRun), except on error paths that format a
// message and for numbers that leave the int64 fast path.
//
// Concurrency: a Program and a Data are read-only once built and may be
// shared by any number of goroutines. A [Machine] holds the scratch space of
// a run (stack, locals, row selections), reused across runs; each goroutine
// needs its own. A Machine also keeps the windows it resolved on the last
// Data it ran on, and the rows of each table inside them, so that the
// rewards of one evaluation event that share a window resolve it once
// (this keeps that Data reachable until the machine runs on another). A
// Data written again by [Builder.DataInto] is the exception to read-only:
// whoever calls DataInto must know that no goroutine still runs on the
// Data and that nothing kept it; a Machine notices the new contents (the
// Data counts its writes) and resolves its windows again.
//
// # Why this shape
//
// Measurements made before promoc was written showed that boxing values and
// building intermediate lists cost general-purpose expression engines
// (expr, CEL) 45-150 times the arithmetic, and that a filter fused with its
// aggregation into one typed loop is the big win; bench/README.md now
// measures promoc against those engines. So values are unboxed
// 40-byte structs on a preallocated stack, the dispatch loop is one switch,
// and an aggregation is a descriptor that the machine runs as chunked,
// branch-free selection loops over columns rather than as bytecode per row.
package vm
