package window

import (
	"errors"
	"strconv"
	"time"
)

var (
	// ErrTooLong is matched (with errors.Is) by the error for a window longer than
	// [MaxLength]; the error itself is a [*LengthError] that says how long it was.
	ErrTooLong = errors.New("window exceeds the maximum length")

	// ErrNoPlayerZone is returned when a window in the player's zone is resolved without
	// a player zone.
	ErrNoPlayerZone = errors.New("player time zone is not known")

	// ErrMissingAnchor is matched by every [*AnchorError].
	ErrMissingAnchor = errors.New("missing anchor")

	// ErrStartAfterEnd is matched by the error for a window that would start after it
	// ends, or, for a fixed window, one that does not end after it starts.
	ErrStartAfterEnd = errors.New("window starts after it ends")

	// ErrInvalid is matched by the errors for a malformed [Spec]: an unknown kind or
	// unit, a count that is not positive, a wall-clock time that is not a valid date and
	// time, both a zone and the player zone.
	ErrInvalid = errors.New("invalid window")

	// ErrUnknownZone is matched by the error of [LoadZone] for a name it cannot load.
	ErrUnknownZone = errors.New("unknown time zone")
)

// LengthError reports a window longer than [MaxLength]. It matches [ErrTooLong].
type LengthError struct {
	// Length is the window's length as the limit measures it: on the wall clock of
	// its zone for windows with wall-clock bounds, elapsed time for the others.
	Length time.Duration
}

func (e *LengthError) Error() string {
	return "window of " + formatLength(e.Length) + " exceeds the maximum of " + formatLength(MaxLength)
}

// Unwrap returns [ErrTooLong].
func (e *LengthError) Unwrap() error { return ErrTooLong }

// AnchorError reports that a rule-relative window was resolved without one of the times it
// starts or ends at. It matches [ErrMissingAnchor].
type AnchorError struct {
	// Name is what is missing: "first transaction", "last transaction",
	// "qualification time", "campaign entrance" or "evaluation time".
	Name string
}

func (e *AnchorError) Error() string { return "missing anchor: " + e.Name }

// Unwrap returns [ErrMissingAnchor].
func (e *AnchorError) Unwrap() error { return ErrMissingAnchor }

// Anchor names used in [AnchorError].
const (
	anchorFirst     = "first transaction"
	anchorLast      = "last transaction"
	anchorQualified = "qualification time"
	anchorEntered   = "campaign entrance"
	anchorNow       = "evaluation time"
)

// formatLength writes d as whole days followed by the rest, if any: "45 days",
// "31 days 1h0m0s", "1 day".
func formatLength(d time.Duration) string {
	const day = 24 * time.Hour
	days, rest := d/day, d%day
	if days == 0 {
		return rest.String()
	}
	s := strconv.FormatInt(int64(days), 10) + " day"
	if days != 1 {
		s += "s"
	}
	if rest != 0 {
		s += " " + rest.String()
	}
	return s
}
