package main

import (
	"slices"

	"github.com/spf13/cobra"
)

func newDisasmCmd() *cobra.Command {
	var reward string
	cmd := &cobra.Command{
		Use:   "disasm PATH [--reward NAME]",
		Short: "Print the bytecode of a rule set",
		Long: `Disasm compiles a rule set and prints the bytecode of one reward, or of every
reward without --reward.

PATH is a directory, whose *.promo files (not *_test.promo, not recursively)
form the rule set, or a .promo file standing for its directory's rule set.

Disasm exits with 1 when the rule set has errors (printed on stderr as check
prints them), and with 2 for bad usage: an unreadable PATH or an unknown
reward.`,
		Args: onePath,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			prog, err := compileRuleSet(cmd.ErrOrStderr(), args[0])
			if err != nil {
				return err
			}
			err = prog.Disassemble(cmd.OutOrStdout(), reward)
			if err != nil && reward != "" && !slices.Contains(prog.Rewards(), reward) {
				return &exitError{code: exitUsage, err: err} // unknown reward (did you mean ...?)
			}
			return err
		}),
	}
	cmd.Flags().StringVar(&reward, "reward", "", "the `NAME` of the reward to disassemble; all when empty")
	return cmd
}
