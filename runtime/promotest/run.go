package promotest

import (
	"context"
	"regexp"
	goruntime "runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime"
)

// Options selects the tests of a run and configures it. The zero value runs
// every test.
type Options struct {
	// Run selects the tests whose name it matches; nil selects every test.
	Run *regexp.Regexp
	// Workers is the number of tests run at once; 0 means GOMAXPROCS.
	Workers int
	// Coverage computes the branch coverage of each reward (Report.Coverage).
	Coverage bool
}

// Result is the outcome of one test.
type Result struct {
	Suite  string   // the rule set's directory
	Name   string   // the test's name
	File   string   // the test file
	Pos    lang.Pos // of the test declaration
	Reward string   // the reward a reward test evaluates; "" for an event-sequence test
	Rule   string   // the automation rule or campaign an event-sequence test runs; "" for a reward test
	Passed bool
	Checks []Check // one per expect clause, in source order
	// Problem says why the test failed besides its expects: an input the
	// test cannot build, or an evaluation that failed. "" when none.
	Problem string
	Actual  runtime.Result // the evaluation, with its trace
	// Outcomes are the outcomes of the rule an event-sequence test runs, in
	// the order the engine gave them; nil for a reward test.
	Outcomes []Step
	Elapsed  time.Duration
}

// Report is the outcome of a run: the results in suite, file and source
// order, whatever order the tests ran in.
type Report struct {
	Results  []*Result
	Coverage []*Coverage // one per suite, with Options.Coverage
	Elapsed  time.Duration
}

// Passed counts the tests that passed.
func (r *Report) Passed() int { return r.count(true) }

// Failed counts the tests that failed.
func (r *Report) Failed() int { return r.count(false) }

func (r *Report) count(passed bool) int {
	n := 0
	for _, res := range r.Results {
		if res.Passed == passed {
			n++
		}
	}
	return n
}

// Run runs the selected tests of the suite.
func (s *Suite) Run(ctx context.Context, opts Options) *Report {
	return Run(ctx, []*Suite{s}, opts)
}

// Run runs the selected tests of several suites on one pool of workers.
func Run(ctx context.Context, suites []*Suite, opts Options) *Report {
	start := time.Now()
	type job struct {
		s  *Suite
		tc *compiler.TestCase
	}
	var jobs []job
	for _, s := range suites {
		for _, tc := range s.info.Tests {
			if opts.Run != nil && !opts.Run.MatchString(tc.Name) {
				continue
			}
			if s.only != nil && !slices.Contains(s.only, tc.File) {
				continue
			}
			jobs = append(jobs, job{s, tc})
		}
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = goruntime.GOMAXPROCS(0)
	}
	workers = min(workers, len(jobs))
	results := make([]*Result, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				results[i] = jobs[i].s.run(ctx, jobs[i].tc, opts.Coverage)
			}
		})
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	rep := &Report{Results: results}
	if opts.Coverage {
		for _, s := range suites {
			rep.Coverage = append(rep.Coverage, s.coverage(results))
		}
	}
	rep.Elapsed = time.Since(start)
	return rep
}

// run runs one test.
func (s *Suite) run(ctx context.Context, tc *compiler.TestCase, coverage bool) *Result {
	start := time.Now()
	r := &Result{Suite: s.dir, Name: tc.Name, File: tc.File, Pos: tc.Decl.Span().Start}
	defer func() { r.Elapsed = time.Since(start) }()
	if tc.Sequence {
		s.runSequence(ctx, tc, r, coverage)
		return r
	}
	r.Reward = tc.Reward.Symbol.Name
	in, origins, problem := s.inputOrigins(tc)
	if problem != "" {
		r.Problem = problem
		return r
	}
	res, err := s.prog.Evaluate(ctx, r.Reward, in, runtime.WithTrace())
	if err != nil {
		r.Problem = err.Error()
		return r
	}
	r.Actual = res
	r.Passed = true
	for _, cl := range tc.Decl.Clauses {
		if e, ok := cl.(lang.Expectation); ok {
			c := s.judge(e, &r.Actual, in.Player.Zone)
			r.Checks = append(r.Checks, c)
			r.Passed = r.Passed && c.Passed
		}
	}
	if !r.Passed {
		r.Problem = inputOrigin(&r.Actual, origins)
	}
	return r
}

// inputOrigin says where the transaction of an invalid-input error comes
// from, "transactions[2] is line 2 of fixture rules/testdata/more.jsonl",
// as the index alone names no line a person wrote; "" for another result.
// The index is the error's path's (Result.Input), not read from its text.
func inputOrigin(res *runtime.Result, origins []string) string {
	if res.Outcome != runtime.Error_ || res.Reason != "invalid-input" || res.Input == nil {
		return ""
	}
	p := res.Input.Path
	if len(p) < 2 || p[0].Key != "transactions" || p[1].Key != "" {
		return ""
	}
	i := p[1].Index
	if i < 0 || i >= len(origins) {
		return ""
	}
	return "transactions[" + strconv.Itoa(i) + "] is " + origins[i]
}
