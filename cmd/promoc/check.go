package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime"
)

func newCheckCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "check PATH...",
		Short: "Report the errors and warnings of rule sets",
		Long: `Check parses and type-checks rule sets and prints their diagnostics, one per
line, as

	path:line:col: severity: message [code]

followed by the source line and a caret under the column. Paths are printed
as they were given (cleaned, with forward slashes). A summary line ("2 errors,
1 warning") goes to stderr when there are diagnostics.

Each PATH is one of:

	DIR         the rule set of DIR: its *.promo files, not *_test.promo, not
	            recursively
	DIR/...     the rule set of DIR and of every directory below it (except
	            testdata and directories beginning with . or _)
	FILE.promo  the file, checked as part of its directory's rule set, since
	            it needs the schema declared there; only its diagnostics are
	            printed, and errors in the other files of the rule set are
	            counted in a note on stderr (they fail the check too)

Each directory is a rule set of its own; its files are checked together. A
DIR is one rule set, not a tree, as a Go package is for the go command (and
as for test and fmt): a directory without .promo files is refused, with
DIR/... suggested when the directories below it have some. Rule files must
be regular files of at most 32 MiB each and for a rule set (lang/limits).

With --format json, check prints a JSON array of diagnostics instead ([] when
there are none): objects with file, line, col, end_line, end_col, severity,
code, message and related (an array of objects with file, line, col,
end_line, end_col and message). There is no summary in JSON.

Check exits with 0 when no rule set has an error (warnings are printed, but
pass), 1 when one has, and 2 when a PATH cannot be read or holds no rule
files.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("missing PATH: expected a .promo file, a directory or DIR/...")
			}
			return nil
		},
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageErrorf("--format %s: expected text or json", format)
			}
			sets, err := paths{}.ruleSets(args)
			if err != nil {
				return err
			}
			var shown lang.Diagnostics
			failed := false // some rule set has errors that are not shown
			var srcs [][]runtime.Source
			for _, rs := range sets {
				srcs = append(srcs, rs.srcs)
				ds, errs, files := analyze(rs)
				shown = append(shown, ds...)
				if errs > 0 {
					// The named files cannot be right while the rule set
					// has errors; an error elsewhere may even hide theirs.
					fmt.Fprintf(cmd.ErrOrStderr(), "promoc: %s in other files of rule set %s (%s); run 'promoc check %s' to see them\n",
						plural(errs, "error"), rs.dir, strings.Join(files, ", "), rs.dir)
					failed = true
				}
			}
			shown = shown.Sort()
			out := cmd.OutOrStdout()
			if format == "json" {
				if err := printJSON(out, shown); err != nil {
					return err
				}
			} else if len(shown) > 0 {
				printText(out, shown, newSourceLines(srcs...))
				fmt.Fprintln(cmd.ErrOrStderr(), summary(shown))
			}
			if failed || shown.HasErrors() {
				return errHasErrors
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

// analyze checks a rule set and returns the diagnostics check prints, and
// the number of the errors it does not print, in files not named on the
// command line, with those files.
func analyze(rs *ruleSet) (shown lang.Diagnostics, hidden int, files []string) {
	for _, d := range runtime.Analyze(rs.srcs).Diagnostics {
		switch {
		case rs.reports(d.File):
			shown = append(shown, d)
		case d.Severity == lang.Error:
			hidden++
			if !slices.Contains(files, d.File) {
				files = append(files, d.File)
			}
		}
	}
	return shown, hidden, files
}
