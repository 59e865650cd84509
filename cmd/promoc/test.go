package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/promotest"
)

func newTestCmd() *cobra.Command {
	var verbose, coverage bool
	var run, format string
	cmd := &cobra.Command{
		Use:   "test [-v] [--run REGEX] [--format text|json|junit] [--coverage] PATH...",
		Short: "Run the tests of rule sets",
		Long: `Test runs the tests of rule sets: the test declarations of their *_test.promo
files (spec/spec.md#15-tests). A rule set is one directory: its rule files
(*.promo) and its test files (*_test.promo), which are checked together.
Each PATH is one of:

	DIR              the tests of DIR, not recursively
	DIR/...          the tests of DIR and of every directory below it that
	                 has test files (except testdata and directories
	                 beginning with . or _)
	FILE_test.promo  the tests of that file, checked with the rest of its
	                 directory
	FILE.promo       the tests of the file's directory

A reward test evaluates one reward on its input. An event-sequence test
names an automation rule or a campaign instead, and runs its players'
events, updates and clock advances through the campaign engine, on a
SQLite store of its own in a temporary directory, with expects between
the steps (expect rewards 3, expect outcome 4 skipped qualification-limit,
expect budget left 0 EUR, expect group p1 control).

The tests run in parallel; the report lists them in file and source order.
Without -v only the failed tests are printed: the test's name and position,
a table of its expects with the expected and actual outcome side by side,
and the trace of the evaluation (for an event-sequence test, the outcomes
of its rule so far). -v prints a line for each passed test too.
The last line is the summary, "N passed, N failed".

--run REGEX runs only the tests whose name matches the regular expression.
--coverage adds, for each reward, the branches the tests took, with the
position of each branch none took: each tier branch, each check both held
and failed ("check deposits > 5: false"), and both sides of each if outside
where clauses ("if player.vip: then", "if player.vip: else"); and for
each automation rule and campaign, the cases its event-sequence tests did
not reach: fired, issued or waiting, and the skip of each limit it has
(skipped not-in-segment, skipped budget-exhausted, ...). --format json prints
one JSON document instead (coverage included with --coverage), and --format
junit prints JUnit XML for CI systems.

A DIR is one rule set, not a tree, as for check and fmt: a directory
without .promo files is refused, with DIR/... suggested when the
directories below it have some.

Test exits with 0 when every test passed; 1 when one failed, or when no
test ran (no test files, test files without tests, or a --run that matched
none: nothing tested is not a pass); and 2 on bad usage or when a file does
not parse, does not check, or a fixture cannot be read (the diagnostics are
printed on stderr, as check prints them). Rule files, test files and
fixtures must be regular files (not links to devices, nor named pipes), of
at most 32 MiB each and for a rule set (lang/limits); a fixture is
read from the test's directory or below, never through a link out of it.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("missing PATH: expected a directory, DIR/... or a .promo file")
			}
			return nil
		},
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			switch format {
			case "text", "json", "junit":
			default:
				return usageErrorf("--format %s: expected text, json or junit", format)
			}
			opts := promotest.Options{Coverage: coverage}
			if run != "" {
				re, err := regexp.Compile(run)
				if err != nil {
					return usageErrorf("--run %s: %v", run, err)
				}
				opts.Run = re
			}
			p := paths{}
			sets, err := p.testSets(args)
			if err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			var suites []*promotest.Suite
			broken := false
			for _, ts := range sets {
				if len(ts.tests) == 0 {
					if verbose || len(sets) == 1 {
						fmt.Fprintf(stderr, "promoc: %s: no test files\n", ts.dir)
					}
					continue
				}
				s, err := promotest.New(ts.dir, ts.srcs, ts.tests)
				if err != nil {
					var rerr *runtime.Error
					if !errors.As(err, &rerr) || len(rerr.Diagnostics) == 0 {
						return usageErrorf("%v", err)
					}
					printText(stderr, rerr.Diagnostics, newSourceLines(ts.srcs, ts.tests))
					fmt.Fprintln(stderr, summary(rerr.Diagnostics))
					broken = true
					continue
				}
				if ws := s.Warnings(); len(ws) > 0 {
					printText(stderr, ws, newSourceLines(ts.srcs, ts.tests))
				}
				if ts.only != nil {
					s = s.Only(ts.only...)
				}
				suites = append(suites, s)
			}
			if broken {
				return &exitError{code: exitUsage}
			}
			rep := promotest.Run(cmd.Context(), suites, opts)
			out := cmd.OutOrStdout()
			switch {
			case format == "json":
				err = rep.WriteJSON(out)
			case format == "junit":
				err = rep.WriteJUnit(out)
			case len(rep.Results) > 0:
				err = rep.WriteText(out, verbose)
			}
			if err != nil {
				return err
			}
			if len(rep.Results) == 0 {
				// Nothing tested is not a pass: CI that runs promoc test on
				// the wrong directory, or with a --run that matches
				// nothing, must not go green.
				if opts.Run != nil && len(suites) > 0 {
					return failf("no test to run: --run %s matched no test", run)
				}
				return failf("no test to run: no *_test.promo file has a test in %s", strings.Join(args, " "))
			}
			if rep.Failed() > 0 {
				return &exitError{code: exitFailure}
			}
			return nil
		}),
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every test, not only the failed ones")
	cmd.Flags().StringVar(&run, "run", "", "run only the tests whose name matches `REGEX`")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json or junit")
	cmd.Flags().BoolVar(&coverage, "coverage", false, "report the branches of each reward the tests exercised")
	return cmd
}

// testSet is a rule set to test: its rule files and test files.
type testSet struct {
	*ruleSet
	tests []runtime.Source // sorted by Name
	// only lists the test files named on the command line, whose tests
	// alone run; nil runs every test of the rule set.
	only []string
}

// testSets resolves the arguments of test: directories, DIR/... patterns
// and files. Arguments naming the same directory share one rule set.
func (p paths) testSets(args []string) ([]*testSet, error) {
	sets := map[string]*testSet{}
	add := func(osDir string, only string) {
		dir := p.display(osDir)
		ts := sets[dir]
		if ts == nil {
			ts = &testSet{ruleSet: &ruleSet{dir: dir, osDir: osDir}}
			if only != "" {
				ts.only = []string{}
			}
			sets[dir] = ts
		}
		switch {
		case only == "":
			ts.only = nil
		case ts.only != nil:
			ts.only = append(ts.only, only)
		}
	}
	for _, arg := range args {
		switch {
		case isPattern(arg):
			dirs, err := p.walkTests(arg)
			if err != nil {
				return nil, err
			}
			for _, d := range dirs {
				add(d, "")
			}
		default:
			fi, err := os.Stat(arg)
			if err != nil {
				return nil, p.pathError(arg, err)
			}
			switch {
			case fi.IsDir():
				add(arg, "")
			case promotest.IsTestFile(arg):
				add(filepath.Dir(arg), p.display(arg))
			case runtime.IsRuleFile(arg):
				add(filepath.Dir(arg), "")
			default:
				return nil, usageErrorf("%s: not a promo file: expected a .promo file or a directory", p.display(arg))
			}
		}
	}
	out := make([]*testSet, 0, len(sets))
	for _, ts := range sets {
		if err := p.loadTests(ts); err != nil {
			return nil, err
		}
		out = append(out, ts)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].dir < out[j].dir })
	return out, nil
}

// loadTests reads the test files and the rule files of a test set.
func (p paths) loadTests(ts *testSet) error {
	tests, err := p.readDir(ts.osDir, ts.dir, promotest.IsTestFile, &ts.bytes)
	if err != nil {
		return err
	}
	ts.tests = tests
	// Without test files the rule files are read all the same: a directory
	// without them is refused as check refuses it.
	return p.load(ts.ruleSet)
}

// walkTests returns the directories under the root of a DIR/... pattern
// that hold test files, skipping those check skips.
func (p paths) walkTests(pattern string) ([]string, error) {
	dirs, promo, err := p.walkFiles(pattern, promotest.IsTestFile)
	if err == nil && !promo {
		err = usageErrorf("%s: matched no .promo files", filepath.ToSlash(pattern))
	}
	return dirs, err
}
