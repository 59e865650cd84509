package runtime

import (
	"strings"

	"github.com/promoc/promoc/lang"
)

// Error is the error of a failed compilation or a misused API. Find it with
// errors.As.
type Error struct {
	// Diagnostics are the compile errors (and warnings), sorted by file and
	// position; empty for other errors.
	Diagnostics lang.Diagnostics
	// Msg describes an error that is not about source code.
	Msg string
}

func (e *Error) Error() string {
	if len(e.Diagnostics) == 0 {
		return e.Msg
	}
	var b strings.Builder
	n := 0
	for _, d := range e.Diagnostics {
		if d.Severity != lang.Error {
			continue
		}
		if n > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.String())
		n++
	}
	return b.String()
}
