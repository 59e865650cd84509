package promotest

import (
	"encoding/json"
	"io"
	"time"

	"github.com/promoc/promoc/runtime"
)

type jsonReport struct {
	Tests    []jsonTest     `json:"tests"`
	Passed   int            `json:"passed"`
	Failed   int            `json:"failed"`
	Coverage []jsonCoverage `json:"coverage,omitempty"`
}

type jsonTest struct {
	Dir     string          `json:"dir"`
	Name    string          `json:"name"`
	File    string          `json:"file"`
	Line    int             `json:"line"`
	Col     int             `json:"col"`
	Reward  string          `json:"reward"`
	Rule    string          `json:"rule,omitempty"`
	Passed  bool            `json:"passed"`
	Problem string          `json:"problem,omitempty"`
	Expects []jsonCheck     `json:"expects"`
	Result  *runtime.Result `json:"result,omitempty"`
	// Outcomes: the outcomes of the rule of a failed event-sequence test.
	Outcomes []jsonStep `json:"outcomes,omitempty"`
}

type jsonStep struct {
	N       int       `json:"n"`
	Player  string    `json:"player"`
	Outcome string    `json:"outcome"`
	Trigger string    `json:"trigger"`
	At      time.Time `json:"at"`
}

type jsonCheck struct {
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	Passed   bool   `json:"passed"`
}

type jsonCoverage struct {
	Dir       string        `json:"dir"`
	Exercised int           `json:"exercised"`
	Total     int           `json:"total"`
	Rewards   []jsonRewardC `json:"rewards"`
	Rules     []jsonRuleC   `json:"rules,omitempty"`
}

type jsonRuleC struct {
	Rule      string        `json:"rule"`
	Kind      string        `json:"kind"`
	File      string        `json:"file"`
	Tests     int           `json:"tests"`
	Exercised int           `json:"exercised"`
	Total     int           `json:"total"`
	Cases     []jsonBranchC `json:"cases"`
}

type jsonRewardC struct {
	Reward    string        `json:"reward"`
	File      string        `json:"file"`
	Tests     int           `json:"tests"`
	Exercised int           `json:"exercised"`
	Total     int           `json:"total"`
	Branches  []jsonBranchC `json:"branches"`
}

type jsonBranchC struct {
	Label string `json:"label"`
	Line  int    `json:"line"`
	Col   int    `json:"col"`
	Tests int    `json:"tests"`
}

// WriteJSON writes the report as one indented JSON document: the tests in
// order, each with its expects (expected and actual as an expect clause
// writes them) and, when it failed, the result document of its evaluation
// with the trace (spec/spec.md, "The output document"); the counts; and the
// coverage when the report has it. It has no timings, so that the same
// tests always write the same document.
func (r *Report) WriteJSON(w io.Writer) error {
	doc := jsonReport{Tests: []jsonTest{}, Passed: r.Passed(), Failed: r.Failed()}
	for _, res := range r.Results {
		t := jsonTest{Dir: res.Suite, Name: res.Name, File: res.File, Line: res.Pos.Line, Col: res.Pos.Col,
			Reward: res.Reward, Rule: res.Rule, Passed: res.Passed, Problem: res.Problem, Expects: []jsonCheck{}}
		for _, c := range res.Checks {
			t.Expects = append(t.Expects, jsonCheck{c.Pos.Line, c.Pos.Col, c.Expected, c.Actual, c.Passed})
		}
		if !res.Passed && res.Actual.Outcome != "" {
			t.Result = &res.Actual
		}
		if !res.Passed {
			for _, s := range res.Outcomes {
				t.Outcomes = append(t.Outcomes, jsonStep{s.N, s.Player, s.Text, s.Trigger, s.At.UTC()})
			}
		}
		doc.Tests = append(doc.Tests, t)
	}
	for _, c := range r.Coverage {
		jc := jsonCoverage{Dir: c.Suite, Rewards: []jsonRewardC{}}
		jc.Exercised, jc.Total = c.Counts()
		for _, rc := range c.Rewards {
			jr := jsonRewardC{Reward: rc.Reward, File: rc.File, Tests: rc.Tests, Branches: []jsonBranchC{}}
			jr.Exercised, jr.Total = rc.Counts()
			for _, b := range rc.Branches {
				jr.Branches = append(jr.Branches, jsonBranchC{b.Label, b.Pos.Line, b.Pos.Col, b.Tests})
			}
			jc.Rewards = append(jc.Rewards, jr)
		}
		for _, rc := range c.Rules {
			jr := jsonRuleC{Rule: rc.Rule, Kind: rc.Kind, File: rc.File, Tests: rc.Tests, Cases: []jsonBranchC{}}
			jr.Exercised, jr.Total = rc.Counts()
			for _, b := range rc.Cases {
				jr.Cases = append(jr.Cases, jsonBranchC{b.Label, b.Pos.Line, b.Pos.Col, b.Tests})
			}
			jc.Rules = append(jc.Rules, jr)
		}
		doc.Coverage = append(doc.Coverage, jc)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
