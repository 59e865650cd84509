// Package bench compares promoc with the usual Go expression engines, expr
// (github.com/expr-lang/expr) and CEL (cel.dev/cel-go), and with hand-written
// Go, on the workloads of issues 5 and 8:
//
//  1. the tiered deposit formula for one player;
//  2. 5% of the net loss on one game, excluding a category, over 1,000,
//     100,000 and 1,000,000 transactions;
//  3. a rule set of 200 rewards evaluated for one event;
//  4. compiling those 200 rewards;
//  5. the bets of three categories without one provider, written with in,
//     not in and a chain of ors (issue 8), over 1,000, 100,000 and
//     1,000,000 transactions.
//
// Each workload is a list of [Case]s, one per engine: promoc (compiled from
// .promo source through package runtime), expr and CEL (money as float64,
// since neither has exact decimals), and the hand-written references:
// float64 (the fast, wrong answer), int64 minor units (the speed limit) and
// shopspring/decimal (the straightforward exact answer). Every case computes
// its answers once in [Case.Setup], before anything is timed, and compares
// them with the exact answer: a float answer that is off by a cent is
// reported as wrong, never as fast.
//
// bench_test.go turns the cases into Go benchmarks (compare runs with
// benchstat), TestAnswers checks the answers, and cmd/benchtable runs every
// case in one process and prints the table of ratios of bench/README.md.
//
// This is its own module, so that the main module never depends on expr or
// CEL.
package bench
