package promotest

import (
	"github.com/promoc/promoc/lang"
)

// Coverage is the branch coverage of one suite's rewards: which of their
// branches (tiers, checks held and failed, the sides of ifs) the tests that
// ran took.
type Coverage struct {
	Suite   string
	Rewards []*RewardCoverage // in the rule set's order
}

// RewardCoverage is the coverage of one reward.
type RewardCoverage struct {
	Reward   string
	File     string
	Tests    int // tests that evaluated the reward
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
		rc := byReward[r.Reward]
		if r.Suite != s.dir || rc == nil {
			continue
		}
		rc.Tests++
		if r.Actual.Trace == nil {
			continue
		}
		for _, b := range rc.Branches {
			for _, t := range r.Actual.Trace.Branches {
				if t.Pos == b.Pos && t.Label == b.Label {
					b.Tests++
					break
				}
			}
		}
	}
	return c
}
