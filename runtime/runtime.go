package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm"
	"github.com/promoc/promoc/vm/currency"
)

// Program is a compiled rule set. It is immutable and safe for concurrent
// use by any number of goroutines.
type Program struct {
	prog     *vm.Program
	info     *compiler.Info
	warnings lang.Diagnostics
	handles  map[string]*Reward // by name
	sources  map[string][]byte  // source text by file, for the disassembly
	version  string             // the content hash of the rule files; see Version
	maxSteps int64
	machines sync.Pool // *vm.Machine, one per concurrent evaluation
	in       inputCache

	// rules are the automation rules and campaigns (rules.go), in source
	// order, and by name; lookback is what Lookback returns.
	rules           []*Rule
	ruleByName      map[string]*Rule
	offers          []*Offer // offers.go
	lookback        time.Duration
	lookbackBounded bool
}

// Option configures Compile.
type Option func(*options)

type options struct {
	root     string
	maxSteps int64
}

// WithRoot compiles the rule files of directory dir of the file system
// instead of its root.
func WithRoot(dir string) Option { return func(o *options) { o.root = dir } }

// WithMaxSteps bounds the steps one evaluation may take (instructions,
// filtered rows, work on large numbers: see vm.Options.MaxSteps), and so
// its time; 0 keeps the VM's default.
func WithMaxSteps(n int64) Option { return func(o *options) { o.maxSteps = n } }

// Compile compiles the rule files (*.promo, not *_test.promo) of the root
// directory of fsys (or of [WithRoot]'s) into one program. On failure the error is an [*Error] holding every diagnostic.
func Compile(fsys fs.FS, opts ...Option) (*Program, error) {
	o := options{root: "."}
	for _, opt := range opts {
		opt(&o)
	}
	srcs, err := ReadSources(fsys, o.root)
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	if len(srcs) == 0 {
		return nil, &Error{Msg: "no .promo files in " + o.root}
	}
	return CompileSources(srcs, opts...)
}

// CompileSources compiles the given files as one rule set. It never
// panics: a failure of the compiler itself, a bug, is an error saying
// "internal error".
func CompileSources(srcs []Source, opts ...Option) (_ *Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &Error{Msg: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	a := Analyze(srcs)
	if a.Diagnostics.HasErrors() {
		return nil, &Error{Diagnostics: a.Diagnostics}
	}
	prog, err := compiler.Lower(a.Info)
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	p := &Program{prog: prog, info: a.Info, warnings: a.Diagnostics, maxSteps: o.maxSteps, handles: map[string]*Reward{}, sources: map[string][]byte{}}
	p.version = ruleSetVersion(srcs)
	if p.rules, p.ruleByName, err = buildRules(a.Info, prog); err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	p.lookback, p.lookbackBounded = lookback(a.Info)
	p.offers = buildOffers(a.Info)
	for _, s := range srcs {
		p.sources[s.Name] = s.Text
	}
	for _, r := range prog.Rewards {
		h := &Reward{p: p, r: r, kind: r.Result.String()}
		if r.Result == vm.ResultPoints {
			h.target = r.Target.String()
		}
		p.handles[r.Name] = h
	}
	return p, nil
}

// Version returns the rule set's version: "sha256:" and the hex SHA-256 of
// its rule files, taken by base name and content, whatever directory they
// were read from and in whatever order (spec/spec.md, section 12, "The rule
// set's version"). Every [Result] carries it, so that an issued reward can be traced
// to the rules that gave it.
func (p *Program) Version() string { return p.version }

// Warnings returns the compiler's warnings.
func (p *Program) Warnings() lang.Diagnostics { return p.warnings }

// HasReward reports whether the program has a reward of that name.
func (p *Program) HasReward(name string) bool { return p.handles[name] != nil }

// Rewards returns the names of the program's rewards, in source order.
func (p *Program) Rewards() []string {
	names := make([]string, len(p.prog.Rewards))
	for i, r := range p.prog.Rewards {
		names[i] = r.Name
	}
	return names
}

// Disassemble writes the bytecode of one reward, or of all when reward is "",
// with each source line above its instructions.
func (p *Program) Disassemble(w io.Writer, reward string) error {
	if reward != "" && p.handles[reward] == nil {
		return p.unknownReward(reward)
	}
	// Split into lines here, not at compile time: disassembly is rare.
	lines := map[string][]string{}
	return p.prog.DisassembleSource(w, reward, func(file string, line int) (string, bool) {
		ls, ok := lines[file]
		if !ok {
			ls = strings.Split(string(p.sources[file]), "\n")
			lines[file] = ls
		}
		if line < 1 || line > len(ls) {
			return "", false
		}
		return ls[line-1], true
	})
}

func (p *Program) unknownReward(name string) error {
	msg := fmt.Sprintf("unknown reward %q", name)
	if _, err := p.Kind(name); err == nil {
		return &Error{Msg: msg + ": " + name + " is a transaction kind; name a reward or a payout"}
	}
	for _, r := range p.Rules() {
		if r.Name == name {
			what := "an automation rule"
			if r.Campaign {
				what = "a campaign"
			}
			return &Error{Msg: msg + ": " + name + " is " + what + ", which promoc run and promoc serve run, and promoc test tests; name a reward or a payout it gives"}
		}
	}
	if s := compiler.Suggest(name, p.Rewards()); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return &Error{Msg: msg}
}

// Prepared is an input made ready for evaluations of one program: several
// rewards can be evaluated on it, at once, without preparing it again. One
// that [Builder.PreparedInto] writes again holds the new input from then
// on: its earlier input must no longer be in use.
type Prepared struct {
	prog   *Program
	data   *vm.Data
	err    error         // the input error every evaluation reports
	cur    currency.Code // the player's currency
	curStr string        // its code, "EUR", found once rather than per result
	// own is the Data that Builder.PreparedInto writes into: data when
	// the input is valid, kept when it is not so that the next input reuses
	// it.
	own *vm.Data
}

// Prepare checks and converts an input for this program. Bad input does not
// fail here: every evaluation on it ends with an error outcome naming the
// field (spec/semantics.md, "Inputs"). (A [Builder] prepares without the
// maps of an Input.)
func (p *Program) Prepare(in Input) *Prepared {
	return p.prepare(context.Background(), &in)
}

// PrepareContext is [Program.Prepare] giving up when ctx is done: the
// evaluations then end with an error outcome, cancelled.
func (p *Program) PrepareContext(ctx context.Context, in Input) *Prepared {
	return p.prepare(ctx, &in)
}

// EvalOption configures one evaluation. (It maps options to options, rather
// than setting them through a pointer, so that they stay on the stack and an
// evaluation does not allocate.)
type EvalOption func(vm.Options) vm.Options

// WithTrace records the trace of the evaluation in Result.Trace.
func WithTrace() EvalOption {
	return func(o vm.Options) vm.Options { o.Trace = true; return o }
}

// Evaluate runs one reward for one player.
func (p *Program) Evaluate(ctx context.Context, reward string, in Input, opts ...EvalOption) (Result, error) {
	if p == nil || p.prog == nil {
		return Result{}, errNoProgram
	}
	in = p.conversionInput(reward, in) // payout.go
	return p.EvaluatePrepared(ctx, reward, p.prepare(ctx, &in), opts...)
}

// EvaluatePrepared runs one reward on a prepared input.
func (p *Program) EvaluatePrepared(ctx context.Context, reward string, in *Prepared, opts ...EvalOption) (Result, error) {
	if p == nil || p.prog == nil {
		return Result{}, errNoProgram
	}
	r, err := p.Reward(reward)
	if err != nil {
		return Result{}, err
	}
	return r.Evaluate(ctx, in, opts...)
}

// Reward is one reward of a program, looked up once by name: a service that
// evaluates the same reward on every event keeps it and saves the look-up.
// Like its Program, it is safe for concurrent use.
type Reward struct {
	p      *Program
	r      *vm.Reward
	kind   string // the result type: amount, template, points, gems, diamonds
	target string // for points: balance, leaderboard or level
}

// Reward returns the reward of that name, or an [*Error] with a did-you-mean
// suggestion.
func (p *Program) Reward(name string) (*Reward, error) {
	if p == nil || p.prog == nil {
		return nil, errNoProgram
	}
	r := p.handles[name]
	if r == nil {
		return nil, p.unknownReward(name)
	}
	return r, nil
}

// Name returns the reward's name.
func (r *Reward) Name() string { return r.r.Name }

// Evaluate runs the reward on a prepared input.
func (r *Reward) Evaluate(ctx context.Context, in *Prepared, opts ...EvalOption) (res Result, err error) {
	// res is filled in place: a Result is large, and copying it is a
	// noticeable part of a short evaluation.
	if r == nil || r.p == nil || r.p.prog == nil {
		return res, errNoProgram
	}
	p := r.p
	if in == nil || in.prog != p {
		return res, &Error{Msg: "input prepared for another program"}
	}
	res.Reward, res.Kind, res.RuleSetVersion, res.Target = r.r.Name, r.kind, p.version, r.target
	if in.err != nil {
		res.Outcome, res.Reason, res.Detail = Error_, "invalid-input", in.err.Error()
		if ie := (*InputError)(nil); errors.As(in.err, &ie) {
			res.Input = ie // wrapped too: the path is kept
		}
		if errors.Is(in.err, context.Canceled) || errors.Is(in.err, context.DeadlineExceeded) {
			res.Reason = vm.ReasonCancelled
		}
		return res, nil
	}
	o := vm.Options{MaxSteps: p.maxSteps}
	for _, opt := range opts {
		o = opt(o)
	}
	m, _ := p.machines.Get().(*vm.Machine)
	if m == nil {
		m = vm.NewMachine()
	}
	var vr vm.Result
	err = m.RunInto(ctx, &vr, p.prog, r.r, in.data, o)
	p.machines.Put(m)
	if err != nil {
		return Result{}, &Error{Msg: err.Error()}
	}
	p.result(&res, r.r, in, &vr)
	return res, nil
}

// Err is the input error every evaluation of the prepared input reports as
// invalid-input (an unknown currency, a property of the wrong type, a bad
// transaction), or nil when the input is valid.
func (p *Prepared) Err() error { return p.err }
