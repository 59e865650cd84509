package main

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/lsp"
)

func newLspCmd() *cobra.Command {
	var logFile string
	var debounce time.Duration
	cmd := &cobra.Command{
		Use:   "lsp",
		Short: "Run the language server for editors, on stdin and stdout",
		Long: `Lsp runs the promo language server: an editor starts it and speaks the
Language Server Protocol (3.16) with it on stdin and stdout. It reports the
diagnostics of promoc check as the files change, and offers hover,
completion, go to definition, references, rename, outlines, formatting as
promoc fmt does, signature help and quick fixes. Each directory is one rule
set, as for promoc check: the files open in the editor take the place of
their saved versions.

The log goes to stderr, or with --log to a file (appended to); stdout carries
only the protocol. Lsp exits with 0 after the client's shutdown and exit, and
with 1 when the client leaves without shutdown.`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			logw := cmd.ErrOrStderr()
			if logFile != "" {
				f, err := os.OpenFile(logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
				if err != nil {
					return usageErrorf("--log: %v", err)
				}
				defer f.Close()
				logw = f
			}
			out := cmd.OutOrStdout()
			if out == os.Stdout {
				// Stdout carries the protocol: whatever else would print there
				// goes to stderr.
				os.Stdout = os.Stderr
			}
			s := lsp.New(lsp.Options{Log: logw, Version: moduleVersion(), Debounce: debounce})
			return s.Serve(context.Background(), stdio{cmd.InOrStdin(), out})
		}),
	}
	cmd.Flags().StringVar(&logFile, "log", "", "write the log to `FILE` instead of stderr")
	cmd.Flags().DurationVar(&debounce, "debounce", 50*time.Millisecond, "wait this long after a change before checking")
	return cmd
}

// stdio is the protocol's stream: stdin and stdout. Closing it closes
// neither; the process ends when Serve returns.
type stdio struct {
	io.Reader
	io.Writer
}

func (stdio) Close() error { return nil }
