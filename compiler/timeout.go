package compiler

import (
	"strings"
	"time"

	"github.com/promoc/promoc/lang"
)

// approvalWithin checks the timeout of an approval setting or clause,
// approval manual within 7 days, and returns it; 0 when there is none or
// it is invalid. A timeout needs approval manual (an automatic result
// never waits) and a length of at least one unit.
func (c *checker) approvalWithin(s *lang.ApprovalSetting) time.Duration {
	w := s.Within
	if w == nil {
		return 0
	}
	text := durationText(w)
	if w.N == 1 || w.N == -1 {
		text = strings.TrimSuffix(text, "s") // 1 day, as written
	}
	if !s.Manual {
		c.errorf(w, lang.CodeTimeoutOnAuto, "approval auto within %s: an automatic result is issued at once and never waits, so nothing times out: write approval manual to let results wait, or leave out within %s", text, text)
		return 0
	}
	if w.N <= 0 {
		c.errorf(w, lang.CodeInvalidTimeout, "approval manual within %s would reject every result as it is calculated: write at least 1 %s (approval manual within 7 days), or leave out within to let results wait until an operator decides", text, strings.TrimSuffix(w.Unit.String(), "s"))
		return 0
	}
	d, ok := c.duration(w)
	if !ok {
		return 0
	}
	return d
}
