package runtime

import (
	"encoding/json"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm"
	"github.com/promoc/promoc/vm/num"
)

// Outcome is how an evaluation ended.
type Outcome string

const (
	// Calculated: the reward has a value. It is issued at once, or held for
	// approval when Result.Manual is set.
	Calculated Outcome = "calculated"
	// Skipped: no reward, for Result.Reason.
	Skipped Outcome = "skipped"
	// Error_ is the error outcome: the reward could not be evaluated, for
	// Result.Reason (bad input, a currency mismatch, a missing property).
	Error_ Outcome = "error"
)

// Result is the outcome of evaluating one reward for one player.
type Result struct {
	Reward string
	Kind   string // the reward's result type: amount, template, points, gems, diamonds
	// RuleSetVersion is the version of the rule set that gave the result,
	// [Program.Version]: set on every result, error outcomes included.
	RuleSetVersion string
	Outcome        Outcome
	// Reason is a stable machine-readable code for Skipped and Error_
	// outcomes (spec/spec.md lists them); "" when Calculated.
	Reason string
	// Detail explains the reason for people: the text of a skip statement,
	// the missing property, the bad input field.
	Detail string
	// Input is, for reason invalid-input, the input's error: Detail is
	// its text, and its Path the field's steps; nil otherwise.
	Input *InputError
	// amount is the issued amount (Kind amount) or number (points, gems,
	// diamonds): after rounding, cap and minimum; set only when Calculated.
	// raw is what give produced, set when Calculated and when skipped by the
	// amount itself (see HasRaw). Both are converted to decimal.Decimal only
	// when asked for, so that evaluations do not allocate.
	amount   num.Dec
	raw      num.Dec
	hasRaw   bool
	Currency string // for amounts: the player's currency, when there is an amount or a raw value
	Target   string // for points: balance, leaderboard or level
	// Template is the name of the bonus template (Kind template) and
	// TemplateTitle its title.
	Template      string
	TemplateTitle string
	Manual        bool // approval is manual: the reward waits in the approval queue
	// Pos is where the evaluation ended: the give, skip or failing
	// expression.
	Pos   lang.Pos
	File  string
	Trace *Trace // with WithTrace only
}

// Amount returns the issued amount (for amount rewards, in Currency) or
// number (points, gems, diamonds), after rounding, cap and minimum. It is
// zero unless the outcome is Calculated, and for templates: a skipped result
// issues nothing (its [Result.Raw] says how close it came). Its exponent is
// the issued scale: 300.00 EUR has two decimals.
func (r Result) Amount() decimal.Decimal { return r.amount.Decimal() }

// AmountString returns Amount as text with its issued scale: "300.00".
func (r Result) AmountString() string { return r.amount.String() }

// Raw returns what the formula gave, before rounding, cap and minimum, when
// [Result.HasRaw] says there is such a value; zero otherwise.
func (r Result) Raw() decimal.Decimal { return r.raw.Decimal() }

// HasRaw reports whether the result has a raw value: an amount, points, gems
// or diamonds reward that reached give and was calculated, or skipped for
// the value itself (non-positive-amount, rounded-to-zero, below-minimum), so
// that operators can see how close the player came.
func (r Result) HasRaw() bool { return r.hasRaw }

// rawReason reports whether a skip reason is one of the outcome pipeline's
// checks of the value: the results it ends carry their raw value.
func rawReason(reason string) bool {
	switch reason {
	case vm.ReasonNonPositiveAmount, vm.ReasonRoundedToZero, vm.ReasonBelowMinimum:
		return true
	}
	return false
}

// Trace explains an evaluation.
type Trace struct {
	// Window is the resolved transaction window, nil when the reward reads
	// every transaction.
	Window       *Interval
	Branches     []TraceBranch
	Lets         []TraceLet
	Aggregations []TraceAggregation
}

// Interval is a half-open time range [Start, End).
type Interval struct {
	Start, End time.Time
}

// TraceBranch is a branch that was taken: a tier branch, a check held or
// failed, a side of an if.
type TraceBranch struct {
	Label string // "above 500 EUR", "check deposits > 5", "else"
	Pos   lang.Pos
}

// TraceLet is the value a let bound.
type TraceLet struct {
	Name  string
	Value string
	Pos   lang.Pos
}

// TraceAggregation is one aggregation over the transactions.
type TraceAggregation struct {
	Op      string // sum, count, avg, min, max, first, last
	Kind    string
	Matched int      // transactions in the window that passed the filter
	IDs     []string // their ids, in time order
	Value   string   // the result, or "none"
	Pos     lang.Pos
}

// result fills in res from the machine's result vr of reward r on input in.
func (p *Program) result(res *Result, r *vm.Reward, in *Prepared, vr *vm.Result) {
	res.Outcome = [...]Outcome{vm.Calculated: Calculated, vm.Skipped: Skipped, vm.Error: Error_}[vr.Outcome]
	res.Reason, res.Detail, res.Manual = vr.Reason, vr.Detail, vr.Manual
	res.File, res.Pos = r.File, vr.Span.Start
	calculated := res.Outcome == Calculated
	switch vr.Value.K {
	case vm.KMoney, vm.KNumber:
		if calculated {
			res.amount = vr.Value.N
		}
	case vm.KTemplate:
		if i := int(vr.Value.I); calculated && i >= 0 && i < len(p.prog.Templates) {
			res.Template, res.TemplateTitle = p.prog.TemplateNames[i], p.prog.Templates[i]
		}
	}
	if (vr.Raw.K == vm.KMoney || vr.Raw.K == vm.KNumber) && (calculated || res.Outcome == Skipped && rawReason(res.Reason)) {
		res.raw, res.hasRaw = vr.Raw.N, true
		if vr.Raw.K == vm.KMoney {
			res.Currency = in.curStr
			if vr.Raw.Cur != in.cur { // not expected: the pipeline checked the currency
				res.Currency = vr.Raw.Cur.String()
			}
		}
	}
	if t := vr.Trace; t != nil {
		tr := &Trace{}
		if t.Window != nil && !t.Window.All {
			tr.Window = &Interval{Start: t.Window.Start, End: t.Window.End}
		}
		for _, b := range t.Branches {
			tr.Branches = append(tr.Branches, TraceBranch{Label: b.Label, Pos: b.Span.Start})
		}
		for _, l := range t.Lets {
			tr.Lets = append(tr.Lets, TraceLet{Name: l.Name, Value: l.Text, Pos: l.Span.Start})
		}
		for _, a := range t.Aggregations {
			tr.Aggregations = append(tr.Aggregations, TraceAggregation{Op: a.Op.String(), Kind: a.Kind, Matched: a.Matched, IDs: a.IDs, Value: a.Text, Pos: a.Span.Start})
		}
		res.Trace = tr
	}
}

// MarshalJSON writes the result document of spec/spec.md (section 12,
// "Output"; spec/schema/result.schema.json is its JSON Schema): amounts as
// decimal strings, never JSON numbers, and no amount unless calculated.
func (r Result) MarshalJSON() ([]byte, error) {
	type pos struct {
		File string `json:"file"`
		Line int    `json:"line"`
		Col  int    `json:"col"`
	}
	mkpos := func(p lang.Pos) *pos {
		if !p.IsValid() {
			return nil
		}
		return &pos{r.File, p.Line, p.Col}
	}
	doc := struct {
		Reward         string     `json:"reward"`
		RuleSetVersion string     `json:"rule_set_version"`
		Kind           string     `json:"kind"`
		Outcome        Outcome    `json:"outcome"`
		Reason         string     `json:"reason,omitempty"`
		Detail         string     `json:"detail,omitempty"`
		Amount         string     `json:"amount,omitempty"`
		Currency       string     `json:"currency,omitempty"`
		Points         string     `json:"points,omitempty"`
		Target         string     `json:"target,omitempty"`
		Template       string     `json:"template,omitempty"`
		TemplateTitle  string     `json:"template_title,omitempty"`
		Raw            string     `json:"raw,omitempty"`
		Manual         bool       `json:"manual"`
		At             *pos       `json:"at,omitempty"`
		Trace          *jsonTrace `json:"trace,omitempty"`
	}{
		Reward: r.Reward, RuleSetVersion: r.RuleSetVersion, Kind: r.Kind, Outcome: r.Outcome, Reason: r.Reason, Detail: r.Detail,
		Target: r.Target, Template: r.Template, TemplateTitle: r.TemplateTitle, Manual: r.Manual, At: mkpos(r.Pos),
	}
	if r.hasRaw {
		if r.Outcome == Calculated {
			if r.Kind == "amount" {
				doc.Amount = r.amount.String()
			} else {
				doc.Points = r.amount.String()
			}
		}
		doc.Currency, doc.Raw = r.Currency, r.raw.String()
	}
	if t := r.Trace; t != nil {
		jt := &jsonTrace{Branches: []jsonBranch{}, Lets: []jsonLet{}, Aggregations: []jsonAgg{}}
		if t.Window != nil {
			jt.Window = &jsonWindow{Start: t.Window.Start.Format(time.RFC3339Nano), End: t.Window.End.Format(time.RFC3339Nano)}
		}
		for _, b := range t.Branches {
			jt.Branches = append(jt.Branches, jsonBranch{b.Label, b.Pos.Line})
		}
		for _, l := range t.Lets {
			jt.Lets = append(jt.Lets, jsonLet{l.Name, l.Value, l.Pos.Line})
		}
		for _, a := range t.Aggregations {
			ids := a.IDs
			if ids == nil {
				ids = []string{}
			}
			jt.Aggregations = append(jt.Aggregations, jsonAgg{a.Op, a.Kind, a.Matched, ids, a.Value, a.Pos.Line})
		}
		doc.Trace = jt
	}
	return json.Marshal(doc)
}

type jsonTrace struct {
	Window       *jsonWindow  `json:"window,omitempty"`
	Branches     []jsonBranch `json:"branches"`
	Lets         []jsonLet    `json:"lets"`
	Aggregations []jsonAgg    `json:"aggregations"`
}

type jsonWindow struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type jsonBranch struct {
	Label string `json:"label"`
	Line  int    `json:"line"`
}

type jsonLet struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Line  int    `json:"line"`
}

type jsonAgg struct {
	Op      string   `json:"op"`
	Kind    string   `json:"kind"`
	Matched int      `json:"matched"`
	IDs     []string `json:"ids"`
	Value   string   `json:"value"`
	Line    int      `json:"line"`
}
