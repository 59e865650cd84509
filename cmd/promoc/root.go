package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes of promoc.
const (
	exitOK      = 0 // success, including a skipped outcome of eval
	exitFailure = 1 // diagnostics with errors, or an evaluation that failed
	exitUsage   = 2 // bad usage, unreadable paths, unknown reward
)

// Main runs promoc with the process's arguments and standard streams and
// returns its exit code. A panic is reported as an internal error, never as
// a stack trace.
func Main() (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "promoc: internal error: %v\n", r)
			code = exitUsage
		}
	}()
	return run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// run executes one command line and returns the exit code. Every message is
// written once, here or by the command that printed diagnostics.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdin, stdout, stderr)
}

// runContext is run with a context, which commands that run until stopped
// (serve) also stop on; tests cancel it.
func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if len(args) == 0 {
		// Without a command promoc is misused, as go is: the help goes to
		// stderr, and the exit code is 2.
		root.InitDefaultHelpCmd()
		root.InitDefaultHelpFlag()
		root.SetOut(stderr)
		_ = root.Help()
		return exitUsage
	}
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "promoc: %s\n", ee.err)
		}
		return ee.code
	}
	// Anything else comes from cobra before a command ran: an unknown
	// command or flag, or arguments its Args rejected.
	fmt.Fprintf(stderr, "promoc: %s\n", strings.TrimRight(err.Error(), "\n"))
	fmt.Fprintf(stderr, "run '%s --help' for usage\n", cmd.CommandPath())
	return exitUsage
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "promoc",
		Short: "Check, test, format, evaluate and disassemble promo rule sets; keep their campaigns' state",
		Long: `promoc checks, tests, formats, evaluates and disassembles rule sets written
in the promo language. A rule set is the *.promo files (not *_test.promo) of
one directory; DIR/... names every rule set below DIR. Start one with
promoc init DIR.

players, campaigns and approvals work the state of campaigns in a database
(--db: an SQLite file, promoc.db by default, or a postgres:// URL); serve
runs a rule set's campaigns as an HTTP API on such a database, with the API
keys of keys. offers and vouchers store offers, import their voucher codes
and assign them to players in such a database.

Exit codes: 0 success; 1 diagnostics with errors, a failed evaluation, a
failed test or no test to run, a database that failed; 2 bad usage, an
unreadable path, an unknown reward or a database that is not promoc's; 3
(eval) a result whose outcome is error, such as invalid-input.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	// promoc --version prints what promoc version prints.
	root.Version = version()
	root.SetVersionTemplate("promoc {{.Version}}\n")
	root.AddCommand(newCheckCmd(), newEvalCmd(), newDisasmCmd(), newFmtCmd(), newLspCmd(), newTestCmd(), newInitCmd(), newVersionCmd(),
		newRunCmd(), newPlayersCmd(), newCampaignsCmd(), newApprovalsCmd(), newServeCmd(), newKeysCmd(), newOffersCmd(), newVouchersCmd(),
		newBonusesCmd(), newReportCmd(), newPublishersCmd(), newRuleSetsCmd())
	// promoc completion bash|zsh|fish|powershell is cobra's, made here
	// rather than when it runs so that an unknown shell is bad usage, not
	// the help and exit 0.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Args = cobra.ArbitraryArgs
			c.RunE = func(cmd *cobra.Command, args []string) error {
				if len(args) == 0 {
					return usageErrorf("completion: missing SHELL: expected bash, zsh, fish or powershell")
				}
				return usageErrorf("completion %s: unknown shell: expected bash, zsh, fish or powershell", args[0])
			}
		}
	}
	return root
}

// exitError ends promoc with an exit code. A nil err means the problem has
// been reported already (diagnostics were printed).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErrorf reports bad usage: exit 2.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// failf reports a failure that is not the user's invocation: exit 1.
func failf(format string, args ...any) error {
	return &exitError{code: exitFailure, err: fmt.Errorf(format, args...)}
}

// errHasErrors ends a command whose diagnostics, already printed, include
// errors.
var errHasErrors = &exitError{code: exitFailure}

// runE adapts a command's function so that every error it returns carries
// an exit code: one without is a failure (exit 1), not bad usage.
func runE(f func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := f(cmd, args)
		var ee *exitError
		if err != nil && !errors.As(err, &ee) {
			return &exitError{code: exitFailure, err: err}
		}
		return err
	}
}

// onePath is the Args of eval and disasm: exactly one PATH.
func onePath(cmd *cobra.Command, args []string) error {
	switch len(args) {
	case 0:
		return errors.New("missing PATH: expected a directory or a .promo file")
	case 1:
		return nil
	}
	return fmt.Errorf("%s takes one PATH, got %d: %s", cmd.Name(), len(args), strings.Join(args, " "))
}

// noArgs is the Args of a command group such as campaigns: no argument
// other than a subcommand, which cobra finds first.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%s: unknown command %q", cmd.CommandPath(), args[0])
	}
	return nil
}

// oneArg is the Args of a command that takes exactly one argument, named
// what, described as desc.
// maxOneArg is oneArg for an argument that may be left out.
func maxOneArg(what, desc string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > 1 {
			return fmt.Errorf("%s takes one %s, got %d: %s", cmd.Name(), what, len(args), strings.Join(args, " "))
		}
		return nil
	}
}

func oneArg(what, desc string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch len(args) {
		case 0:
			return fmt.Errorf("missing %s: expected %s", what, desc)
		case 1:
			return nil
		}
		return fmt.Errorf("%s takes one %s, got %d: %s", cmd.Name(), what, len(args), strings.Join(args, " "))
	}
}
