package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/tracking"
)

// exitErrorOutcome is eval's exit code for a result whose outcome is error:
// the result document is printed, and CI can tell it from a rule set that
// does not compile (1) and from bad usage (2).
const exitErrorOutcome = 3

func newEvalCmd() *cobra.Command {
	var reward, input string
	var trace bool
	cmd := &cobra.Command{
		Use:   "eval PATH --reward NAME --input FILE [--trace]",
		Short: "Evaluate one reward for one player",
		Long: `Eval compiles a rule set, evaluates one of its rewards on a JSON input document
(spec/spec.md#input) and prints the result document (spec/spec.md#output)
as indented JSON on stdout.

PATH is a directory, whose *.promo files (not *_test.promo, not recursively)
form the rule set, or a .promo file standing for its directory's rule set.

When NAME is a payout, the input is the conversion it prices, as the API
writes a recorded conversion, and the publisher's conversions recorded
before it, in the same shape, which a tiered payout counts:

	{"conversion": {"kind": "first_deposit", "publisher": "alpha",
	  "offer": "casino", "amount": "50.00", "currency": "EUR",
	  "time": "2026-12-06T09:59:00Z", "sub": ["vip"]},
	 "earlier": [{...}, ...]}

It is evaluated as promoc serve prices the conversion: for the publisher as
the player, 1 ns after the conversion, in the conversion's currency (for one
without an amount, the first currency the rule set declares, else EUR).
--input - reads the input from stdin. --trace adds the trace of the
evaluation: the window, the branches taken, the lets and the aggregations.

Every problem of the input document is reported the same way, whether it is
malformed JSON, a field of the wrong type, an unknown transaction kind, an
unknown currency or time zone, or a document larger than the limit of
lang/limits.InputBytes: the result document has "outcome": "error",
"reason": "invalid-input", and a "detail" that starts with the field's path
("transactions[2].time: not an RFC 3339 time").

Exit codes:

	0  the reward was calculated or skipped
	1  the rule set has errors (printed on stderr as check prints them), or
	   the evaluation itself failed
	2  bad usage: an unreadable PATH or input file, an unknown reward
	3  the result's outcome is error: invalid-input, or another reason such
	   as missing-property or currency-mismatch (the result is printed)

Compiler warnings are printed on stderr.`,
		Args: onePath,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			if input == "" {
				return usageErrorf("missing --input: expected a JSON input file, or - for stdin")
			}
			p := paths{}
			prog, err := compileRuleSet(cmd.ErrOrStderr(), args[0])
			if err != nil {
				return err
			}
			if reward == "" {
				return usageErrorf("missing --reward: expected one of %s", strings.Join(prog.Rewards(), ", "))
			}
			if !slices.Contains(prog.Rewards(), reward) {
				_, err := prog.Reward(reward) // unknown reward (did you mean ...?)
				return &exitError{code: exitUsage, err: err}
			}
			var opts []runtime.EvalOption
			if trace {
				opts = append(opts, runtime.WithTrace())
			}
			var res runtime.Result
			if slices.ContainsFunc(prog.Payouts(), func(po runtime.Payout) bool { return po.Name == reward }) {
				res, err = evalPayout(cmd, p, prog, reward, input, opts)
			} else {
				var prep *runtime.Prepared
				if prep, err = readInput(p, prog, cmd.InOrStdin(), input); err != nil {
					return err
				}
				res, err = prog.EvaluatePrepared(cmd.Context(), reward, prep, opts...)
			}
			if err != nil {
				return failf("%s: %v", reward, err)
			}
			b, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b); err != nil {
				return err
			}
			if res.Outcome == runtime.Error_ {
				return &exitError{code: exitErrorOutcome}
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&reward, "reward", "", "the `NAME` of the reward to evaluate")
	cmd.Flags().StringVar(&input, "input", "", "the JSON input `FILE`, or - for stdin")
	cmd.Flags().BoolVar(&trace, "trace", false, "include the trace of the evaluation in the result")
	return cmd
}

// evalPayout evaluates a payout on a payout's input document (the
// conversion and the publisher's earlier conversions, as the API writes
// recorded conversions) as promoc serve prices the conversion. A document
// that cannot be decoded is evaluated as invalid input.
func evalPayout(cmd *cobra.Command, p paths, prog *runtime.Program, payout, input string, opts []runtime.EvalOption) (runtime.Result, error) {
	r, closeInput, err := openInput(p, cmd.InOrStdin(), input)
	if err != nil {
		return runtime.Result{}, err
	}
	defer closeInput()
	in, err := tracking.DecodePayoutInput(r)
	if err != nil {
		var ie *tracking.InputError
		if !errors.As(err, &ie) {
			return runtime.Result{}, p.pathError(input, err)
		}
		return prog.EvaluatePrepared(cmd.Context(), payout, prog.InvalidInput(&runtime.InputError{Field: ie.Field, Msg: strings.TrimPrefix(strings.TrimPrefix(ie.Message, ie.Field), ": ")}), opts...)
	}
	return tracking.NewPrices(prog, server.PayoutCurrency).Evaluate(cmd.Context(), payout, in.Conversion, in.Earlier, opts...)
}

// openInput opens the input named on the command line: stdin for "-",
// else the file, not only a regular one (--input <(...) is a pipe; the
// reader's limit bounds what is read all the same). A file that cannot
// be opened is bad usage. closeInput closes what it opened.
func openInput(p paths, stdin io.Reader, name string) (r io.Reader, closeInput func(), err error) {
	if name == "-" {
		return stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, p.pathError(name, err)
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, nil, usageErrorf("%s: is a directory: expected a JSON input file", p.display(name))
	}
	return f, func() { f.Close() }, nil
}

// readInput reads, decodes and prepares the input document named on the
// command line. A file that cannot be opened is bad usage; a document that
// cannot be decoded is prepared as invalid input, which the evaluation
// reports as Prepare's own input errors are reported.
func readInput(p paths, prog *runtime.Program, stdin io.Reader, name string) (*runtime.Prepared, error) {
	r, closeInput, err := openInput(p, stdin, name)
	if err != nil {
		return nil, err
	}
	defer closeInput()
	in, err := runtime.DecodeInput(r) // bounded by runtime.ReadDocument, as a payout's input is
	if err != nil {
		return prog.InvalidInput(err), nil
	}
	return prog.Prepare(in), nil
}
