package bench

import (
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // the players' zones, whatever the machine has installed
)

// Calendar windows as a host computes them for expr and CEL, which have no
// calendar: the bounds of last full day, week and month, in the player's
// zone and in FixedZone, at now, written from spec/spec.md section 10
// (half-open [from, to); local midnight; ISO weeks from Monday). The exact
// reference (RewardSpec.Exact) uses the same bounds; promoc resolves its
// windows itself.

// hostZones caches the zones by name, as a host would: time.LoadLocation
// reads and parses the zone file on every call.
var hostZones sync.Map // name → *time.Location

func hostZone(name string) (*time.Location, error) {
	if name == "" {
		return nil, fmt.Errorf("the player has no time zone")
	}
	if loc, ok := hostZones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	hostZones.Store(name, loc)
	return loc, nil
}

// calendarBounds is the window [from, to) of c at now, on the wall clock
// of loc. The zones of PlayerZones and FixedZone change their clocks at
// night, never at midnight, so time.Date's midnights exist.
func calendarBounds(c Calendar, now time.Time, loc *time.Location) (from, to time.Time) {
	y, m, d := now.In(loc).Date()
	switch c {
	case LastFullDay:
		return time.Date(y, m, d-1, 0, 0, 0, 0, loc), time.Date(y, m, d, 0, 0, 0, 0, loc)
	case LastFullWeek:
		monday := d - (int(now.In(loc).Weekday())+6)%7
		return time.Date(y, m, monday-7, 0, 0, 0, 0, loc), time.Date(y, m, monday, 0, 0, 0, 0, loc)
	case LastFullMonth:
		return time.Date(y, m-1, 1, 0, 0, 0, 0, loc), time.Date(y, m, 1, 0, 0, 0, 0, loc)
	}
	panic(fmt.Sprintf("calendarBounds: not a calendar window: %d", c))
}

// windowVars names the variables of expr's and CEL's environment that hold
// the bounds of a calendar window: day_from and day_to in the player's
// zone, mt_day_from and mt_day_to in FixedZone, and so on.
func windowVars(c Calendar, zone string) (from, to string) {
	prefix := ""
	if zone != "" {
		prefix = "mt_"
	}
	return prefix + calendarNames[c] + "_from", prefix + calendarNames[c] + "_to"
}

// windowBounds are the bounds of every calendar window for one player: by
// calendar, in the player's zone ([0]) and in FixedZone ([1]).
type windowBounds [numCalendars][2][2]time.Time

func boundsAt(now time.Time, playerZone string) (*windowBounds, error) {
	pz, err := hostZone(playerZone)
	if err != nil {
		return nil, err
	}
	fz, err := hostZone(FixedZone)
	if err != nil {
		return nil, err
	}
	var w windowBounds
	for c := LastFullDay; c < numCalendars; c++ {
		for z, loc := range []*time.Location{pz, fz} {
			w[c][z][0], w[c][z][1] = calendarBounds(c, now, loc)
		}
	}
	return &w, nil
}

// setWindows gives expr's environment the bounds of the player's calendar
// windows.
func (env *RuleEnv) setWindows(playerZone string) error {
	w, err := boundsAt(env.Now, playerZone)
	if err != nil {
		return err
	}
	env.DayFrom, env.DayTo = w[LastFullDay][0][0], w[LastFullDay][0][1]
	env.WeekFrom, env.WeekTo = w[LastFullWeek][0][0], w[LastFullWeek][0][1]
	env.MonthFrom, env.MonthTo = w[LastFullMonth][0][0], w[LastFullMonth][0][1]
	env.MTDayFrom, env.MTDayTo = w[LastFullDay][1][0], w[LastFullDay][1][1]
	env.MTWeekFrom, env.MTWeekTo = w[LastFullWeek][1][0], w[LastFullWeek][1][1]
	env.MTMonthFrom, env.MTMonthTo = w[LastFullMonth][1][0], w[LastFullMonth][1][1]
	return nil
}

// setCELWindows puts the bounds of the player's calendar windows in CEL's
// variables.
func setCELWindows(vars map[string]any, now time.Time, playerZone string) error {
	w, err := boundsAt(now, playerZone)
	if err != nil {
		return err
	}
	for c := LastFullDay; c < numCalendars; c++ {
		for z, zone := range []string{"", FixedZone} {
			from, to := windowVars(c, zone)
			vars[from], vars[to] = w[c][z][0], w[c][z][1]
		}
	}
	return nil
}

// celWindowVars are the names of the bounds' variables, for CEL's
// declarations.
func celWindowVars() []string {
	var names []string
	for c := LastFullDay; c < numCalendars; c++ {
		for _, zone := range []string{"", FixedZone} {
			from, to := windowVars(c, zone)
			names = append(names, from, to)
		}
	}
	return names
}
