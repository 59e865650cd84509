package schedule

import (
	"errors"
	"strconv"
)

// ErrInvalid is matched (with errors.Is) by every [*Error]: a cron expression that does
// not parse, or a [Words] value out of range.
var ErrInvalid = errors.New("invalid schedule")

// Error reports a malformed schedule. It matches [ErrInvalid].
type Error struct {
	// Field is the field at fault: "minute", "hour", "day of month", "month" or
	// "day of week" in a cron expression; "hour", "minute", "weekday", "day" or "every" in
	// a [Words] value; "" when the expression as a whole is wrong (the number of fields).
	Field string
	// Offset and End are the byte offsets, in the cron expression, of the text at fault,
	// Offset <= End (End exclusive, equal to Offset for a missing field at the end); the
	// compiler adds them to the position of the string's first character. Both are -1
	// for a Words value, which has no text.
	Offset, End int
	// Msg says what is wrong and what was expected.
	Msg string
}

func (e *Error) Error() string {
	s := e.Field
	if e.Offset >= 0 {
		if s != "" {
			s += " "
		}
		s += "at column " + strconv.Itoa(e.Offset+1)
	}
	if s == "" {
		return e.Msg
	}
	return s + ": " + e.Msg
}

// Unwrap returns [ErrInvalid].
func (e *Error) Unwrap() error { return ErrInvalid }
