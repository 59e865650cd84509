package window

import (
	"fmt"
	"time"

	// The IANA database is embedded so that zones load on machines without
	// /usr/share/zoneinfo; time.LoadLocation prefers the system copy when there is one.
	_ "time/tzdata"
)

// LoadZone returns the time zone with the given IANA name, such as "Europe/Malta" or "UTC".
// It rejects "" and "Local", whose meaning depends on the machine, and reports an unknown
// name with an error matching [ErrUnknownZone].
//
// Loading a zone parses the zone's rules, which takes microseconds and allocates; a caller
// that resolves many windows loads each zone once and keeps it (see [Spec.Loc]).
func LoadZone(name string) (*time.Location, error) {
	switch name {
	case "":
		return nil, fmt.Errorf("%w: the name is empty", ErrUnknownZone)
	case "Local":
		return nil, fmt.Errorf("%w %q: the machine's local zone is not allowed, name an IANA zone such as \"Europe/Malta\"", ErrUnknownZone, name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownZone, name)
	}
	return loc, nil
}

// location returns the zone whose wall clock s is computed on: the player's zone when
// s.PlayerZone is set, otherwise s.Loc, or s.Zone loaded, or UTC when s.Zone is empty.
func (s Spec) location(playerZone *time.Location) (*time.Location, error) {
	switch {
	case s.PlayerZone:
		if playerZone == nil {
			return nil, ErrNoPlayerZone
		}
		return playerZone, nil
	case s.Loc != nil:
		return s.Loc, nil
	case s.Zone == "":
		return time.UTC, nil
	}
	return LoadZone(s.Zone)
}
