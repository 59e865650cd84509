package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime"
)

func newEvalCmd() *cobra.Command {
	var reward, input string
	var trace bool
	cmd := &cobra.Command{
		Use:   "eval PATH --reward NAME --input FILE [--trace]",
		Short: "Evaluate one reward for one player",
		Long: `Eval compiles a rule set, evaluates one of its rewards on a JSON input document
(spec/spec.md, "The input document") and prints the result document as
indented JSON on stdout.

PATH is a directory, whose *.promo files (not *_test.promo, not recursively)
form the rule set, or a .promo file standing for its directory's rule set.
--input - reads the input from stdin. --trace adds the trace of the
evaluation: the window, the branches taken, the lets and the aggregations.

The outcome is data, not a failure: eval exits with 0 whether the reward was
calculated, skipped or ended in an error outcome (such as missing-property or
invalid-input). It exits with 1 when the rule set has errors (printed on
stderr as check prints them) or the evaluation itself failed, and with 2 for
bad usage: an unreadable PATH or input, malformed JSON, or an unknown reward.
Compiler warnings are printed on stderr.`,
		Args: onePath,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			if input == "" {
				return usageErrorf("missing --input: expected a JSON input file, or - for stdin")
			}
			p := newPaths()
			rs, err := p.ruleSetOf(args[0])
			if err != nil {
				return err
			}
			prog, err := rs.compile(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if reward == "" {
				return usageErrorf("missing --reward: expected one of %s", strings.Join(prog.Rewards(), ", "))
			}
			in, err := readInput(p, cmd.InOrStdin(), input)
			if err != nil {
				return err
			}
			var opts []runtime.EvalOption
			if trace {
				opts = append(opts, runtime.WithTrace())
			}
			res, err := prog.Evaluate(cmd.Context(), reward, in, opts...)
			if err != nil {
				if !slices.Contains(prog.Rewards(), reward) {
					return &exitError{code: exitUsage, err: err} // unknown reward (did you mean ...?)
				}
				return failf("%s: %v", reward, err)
			}
			b, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
			return err
		}),
	}
	cmd.Flags().StringVar(&reward, "reward", "", "the `NAME` of the reward to evaluate")
	cmd.Flags().StringVar(&input, "input", "", "the JSON input `FILE`, or - for stdin")
	cmd.Flags().BoolVar(&trace, "trace", false, "include the trace of the evaluation in the result")
	return cmd
}

// readInput reads and decodes the input document named on the command line.
// Its errors are bad usage, naming the file and the field.
func readInput(p paths, stdin io.Reader, name string) (runtime.Input, error) {
	r, display := stdin, "stdin"
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return runtime.Input{}, p.pathError(name, err)
		}
		defer f.Close()
		r, display = f, p.display(name)
	}
	in, err := runtime.DecodeInput(r)
	if err != nil {
		// An *runtime.InputError names the field: "transactions[2].time: ...".
		return runtime.Input{}, usageErrorf("%s: %v", display, err)
	}
	return in, nil
}
