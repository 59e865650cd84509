package compiler

import (
	"fmt"
	"time"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/vm/num"
)

// Constant folding runs under the limits of the VM at run time (lang/limits):
// a folded number has at most limits.Decimals digits after its point and
// limits.Digits characters, and a folded time lies in [limits.MinTime,
// limits.MaxTime), with every time and duration an exact int64 count of
// nanoseconds. Operands obey the limits, since literals do (the lexer checks
// them) and every result is checked here, so one operation costs at most a
// product of two numbers of limits.Digits digits; repeated squaring stops
// at the step that leaves the limits, with an exceeded-limit error there,
// rather than growing without end.

// limitErr is a folded constant beyond a limit.
type limitErr struct{ msg string }

func (e *limitErr) Error() string { return e.msg }

// numLimit returns an error when d is beyond limits.Decimals or
// limits.Digits, as the VM's check of its results.
func numLimit(d num.Dec) error {
	if d.Scale() > limits.Decimals {
		return &limitErr{fmt.Sprintf("constant with %d digits after the point, more than %d (limits.Decimals)", d.Scale(), limits.Decimals)}
	}
	if !d.FitsInt64() {
		if n := len(d.String()); n > limits.Digits {
			return &limitErr{fmt.Sprintf("constant of %d characters, more than %d (limits.Digits)", n, limits.Digits)}
		}
	}
	return nil
}

// timeLimit returns an error when t is outside [limits.MinTime,
// limits.MaxTime).
func timeLimit(t time.Time) error {
	if t.Before(limits.MinTime) || !t.Before(limits.MaxTime) {
		return &limitErr{fmt.Sprintf("time %s outside the range from %s to before %s (limits.MinTime and limits.MaxTime)",
			t.UTC().Format("2006-01-02 15:04:05"), limits.MinTime.Format("2006-01-02"), limits.MaxTime.Format("2006-01-02"))}
	}
	return nil
}

// errDurationRange is a folded duration or time beyond the int64
// nanoseconds the VM counts them in (292 years), where the VM would trap.
var errDurationRange = &limitErr{"time or duration out of range: beyond the year 2262 or 292 years"}

// addNanos returns a+b, or false on int64 overflow.
func addNanos(a, b int64) (int64, bool) {
	z := a + b
	return z, (a^z)&(b^z) >= 0
}

// subNanos returns a-b, or false on int64 overflow.
func subNanos(a, b int64) (int64, bool) {
	z := a - b
	return z, (a^b)&(a^z) >= 0
}
