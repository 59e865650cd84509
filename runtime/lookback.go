package runtime

import (
	"time"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/vm/window"
)

// Lookback is how far before now the rewards given by the program's rules
// read transactions, so how much history of a player the campaign engine
// must keep: the longest window of a reward a rule gives that aggregates.
// A calendar window counts at its longest, plus a day for zone offsets and
// DST (last full day: 2 days, last full week: 14, last weekend: 9, last
// full month: 62); last N units counts N units. bounded is false when some
// such reward reads without a window, through the anchors of a rule (since
// qualification, since entrance, between first and last transaction, from
// first transaction or qualification to a date), or in a fixed window,
// whose start does not move with now. With no such reward it is (0, true).
func (p *Program) Lookback() (d time.Duration, bounded bool) {
	if p == nil {
		return 0, true
	}
	return p.lookback, p.lookbackBounded
}

// calendarLongest is the longest a calendar window reaches back from now.
var calendarLongest = map[window.Kind]time.Duration{
	window.LastFullDay:   2 * day,
	window.LastFullWeek:  14 * day,
	window.LastWeekend:   9 * day,
	window.LastFullMonth: 62 * day,
}

const day = 24 * time.Hour

// lookback computes [Program.Lookback] from the rewards the rules give.
func lookback(info *compiler.Info) (time.Duration, bool) {
	var most time.Duration
	for _, r := range info.Rules {
		for _, ri := range r.Gives {
			d, bounded := rewardLookback(ri)
			if !bounded {
				return 0, false
			}
			most = max(most, d)
		}
	}
	return most, true
}

// rewardLookback is how far before now one reward reads transactions: 0
// for one that reads none; bounded is false when its window has no
// bound (see [Program.Lookback]).
func rewardLookback(ri *compiler.RewardInfo) (d time.Duration, bounded bool) {
	if !ri.ReadsTransactions {
		return 0, true
	}
	w := ri.Window
	switch w.Kind {
	case window.TimeBack:
		unit := w.Unit.Duration()
		if unit <= 0 || w.N > int64(maxDuration/unit) {
			return 0, false
		}
		return time.Duration(w.N) * unit, true
	case window.LastFullDay, window.LastFullWeek, window.LastWeekend, window.LastFullMonth:
		return calendarLongest[w.Kind] + day, true
	}
	return 0, false // All, Fixed and the windows of rule anchors
}
