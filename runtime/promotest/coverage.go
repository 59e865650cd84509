package promotest

import (
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime"
)

// Coverage is the branch coverage of one suite's rewards: which of their
// branches (tiers, checks held and failed, the sides of ifs) the tests that
// ran took; and the coverage of its automation rules and campaigns: which
// of their triggers and limits the event-sequence tests reached.
type Coverage struct {
	Suite   string
	Rewards []*RewardCoverage // in the rule set's order
	Rules   []*RuleCoverage   // in the rule set's order
}

// RewardCoverage is the coverage of one reward.
type RewardCoverage struct {
	Reward   string
	File     string
	Tests    int // tests that evaluated the reward: reward tests, and event-sequence tests whose rule gave it
	Branches []*BranchCoverage
}

// BranchCoverage is one branch, and how many tests took it.
type BranchCoverage struct {
	Label string // as traces name it: "check deposits > 5", "check deposits > 5: false", "above 500 EUR", "else", "if vip: then"
	Pos   lang.Pos
	Tests int
}

// Counts returns the branches some test took and all the branches.
func (c *Coverage) Counts() (exercised, total int) {
	for _, r := range c.Rewards {
		e, t := r.Counts()
		exercised += e
		total += t
	}
	return exercised, total
}

// Counts returns the branches of the reward some test took, and all its
// branches.
func (r *RewardCoverage) Counts() (exercised, total int) {
	for _, b := range r.Branches {
		if b.Tests > 0 {
			exercised++
		}
	}
	return exercised, len(r.Branches)
}

// coverage computes the coverage of the suite from the results of a run.
func (s *Suite) coverage(results []*Result) *Coverage {
	c := &Coverage{Suite: s.dir}
	byReward := map[string]*RewardCoverage{}
	for _, name := range s.prog.Rewards() {
		rc := &RewardCoverage{Reward: name, File: s.prog.RewardFile(name)}
		for _, b := range s.prog.Branches(name) {
			rc.Branches = append(rc.Branches, &BranchCoverage{Label: b.Label, Pos: b.Pos})
		}
		byReward[name] = rc
		c.Rewards = append(c.Rewards, rc)
	}
	for _, r := range results {
		if r.Suite != s.dir {
			continue
		}
		// A reward test evaluates its reward once; an event-sequence test
		// evaluates the rewards its rule gives, each outcome with a trace.
		traces := map[string][]*runtime.Trace{}
		if rc := byReward[r.Reward]; rc != nil {
			traces[r.Reward] = []*runtime.Trace{r.Actual.Trace}
		}
		for _, step := range r.Outcomes {
			if o := step.Outcome; o.Reward != "" && byReward[o.Reward] != nil {
				traces[o.Reward] = append(traces[o.Reward], o.Trace)
			}
		}
		for name, ts := range traces {
			rc := byReward[name]
			rc.Tests++
			for _, b := range rc.Branches {
				if took(b, ts) {
					b.Tests++
				}
			}
		}
	}
	s.ruleCoverage(c, results)
	return c
}

// took reports whether one of the traces took a branch.
func took(b *BranchCoverage, traces []*runtime.Trace) bool {
	for _, t := range traces {
		if t == nil {
			continue
		}
		for _, tb := range t.Branches {
			if tb.Pos == b.Pos && tb.Label == b.Label {
				return true
			}
		}
	}
	return false
}

// RuleCoverage is the coverage of one automation rule or campaign: which of
// its cases the event-sequence tests that ran it reached. The cases are
// "fired" (the trigger gave an outcome), "issued or waiting", and a skip
// for each limit the rule has: "skipped not-in-segment" for a segment
// (unless the trigger is a schedule, whose runs reach only the segment),
// "skipped not-qualified" (unless the trigger accumulates, which counts
// only after the player qualified) and "skipped qualification-limit" for a
// qualification and its limit, "skipped rate-limited" for a limit of
// rewards, "skipped budget-exhausted" for a budget, "skipped
// control-group" for a control group.
type RuleCoverage struct {
	Rule  string
	Kind  string // automation or campaign
	File  string
	Tests int // event-sequence tests that ran the rule
	Cases []*BranchCoverage
}

// Counts returns the cases of the rule some test reached, and all its
// cases.
func (r *RuleCoverage) Counts() (exercised, total int) {
	for _, b := range r.Cases {
		if b.Tests > 0 {
			exercised++
		}
	}
	return exercised, len(r.Cases)
}

// RuleCounts returns the cases of the suite's rules some test reached, and
// all their cases.
func (c *Coverage) RuleCounts() (exercised, total int) {
	for _, r := range c.Rules {
		e, t := r.Counts()
		exercised += e
		total += t
	}
	return exercised, total
}

// ruleCases lists the cases of a rule, in source order.
func ruleCases(d *lang.RuleDecl) []*BranchCoverage {
	// An accumulation counts only after the player qualified: it never
	// fires unqualified.
	// A scheduled run's audience is the segment: it never skips with
	// not-in-segment.
	accumulates, scheduled := false, false
	for _, cl := range d.Clauses {
		if t, ok := cl.(*lang.TriggerClause); ok && t.Event != nil {
			accumulates = t.Event.Kind == lang.EventEvery
			scheduled = t.Event.Kind == lang.EventSchedule
		}
	}
	var out []*BranchCoverage
	add := func(label string, n lang.Node) {
		out = append(out, &BranchCoverage{Label: label, Pos: n.Span().Start})
	}
	for _, cl := range d.Clauses {
		switch cl := cl.(type) {
		case *lang.TriggerClause:
			add("fired", cl)
		case *lang.SegmentClause:
			if !scheduled {
				add("skipped not-in-segment", cl)
			}
		case *lang.QualificationClause:
			if !accumulates {
				add("skipped not-qualified", cl)
			}
			if cl.Limit != nil {
				add("skipped qualification-limit", cl.Limit)
			}
		case *lang.LimitClause:
			if !cl.Messages() {
				add("skipped rate-limited", cl)
			}
		case *lang.BudgetClause:
			add("skipped budget-exhausted", cl)
		case *lang.GiveRewardClause:
			add("issued or waiting", cl)
		case *lang.SplitClause:
			add("issued or waiting", cl)
			for _, a := range cl.Arms {
				if a.Control {
					add("skipped control-group", a)
				}
			}
		}
	}
	return out
}

// reached reports whether outcomes reach a case of a rule.
func reached(label string, steps []Step) bool {
	for _, s := range steps {
		o := s.Outcome
		switch {
		case label == "fired":
			return true
		case label == "issued or waiting" && (o.Status == "issued" || o.Status == "waiting"):
			return true
		case label == "skipped "+o.Reason && o.Status == "skipped":
			return true
		}
	}
	return false
}

// ruleCoverage computes the coverage of the suite's rules.
func (s *Suite) ruleCoverage(c *Coverage, results []*Result) {
	byRule := map[string]*RuleCoverage{}
	for _, ri := range s.prog.Info().Rules {
		rc := &RuleCoverage{Rule: ri.Symbol.Name, Kind: ri.Decl.Kind.String(), File: ri.File, Cases: ruleCases(ri.Decl)}
		byRule[rc.Rule] = rc
		c.Rules = append(c.Rules, rc)
	}
	for _, r := range results {
		rc := byRule[r.Rule]
		if r.Suite != s.dir || rc == nil {
			continue
		}
		rc.Tests++
		for _, b := range rc.Cases {
			if reached(b.Label, r.Outcomes) {
				b.Tests++
			}
		}
	}
}
