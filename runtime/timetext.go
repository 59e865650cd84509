package runtime

import (
	"errors"
	"time"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/vm"
)

// ParseTime reads an operator's time, wherever one comes in (an input
// document, an event, a conversion, a flag): RFC 3339 with its offset, as
// in 2026-11-23T10:00:00Z or 2026-11-23T11:00:00.5+01:00, the T and the Z
// in either case (RFC 3339, section 5.6, NOTE), lying in
// [limits.MinTime, limits.MaxTime). The time keeps its offset. The error
// says what is wrong with the text, without the field: the caller names
// it; a time outside the range is [ErrTimeRange].
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, vm.UpperTime(s))
	_, msg := vm.ParseTime([]byte(s))
	switch {
	case msg == "":
		return t, nil
	case err == nil && (t.Before(limits.MinTime) || !t.Before(limits.MaxTime)):
		return time.Time{}, timeRangeError(msg)
	}
	return time.Time{}, errors.New(msg)
}

// ErrTimeRange is the error of [ParseTime] for a time outside
// [limits.MinTime, limits.MaxTime) (errors.Is).
var ErrTimeRange = errors.New("time out of range")

type timeRangeError string

func (e timeRangeError) Error() string      { return string(e) }
func (timeRangeError) Is(target error) bool { return target == ErrTimeRange }
