package window

import (
	"strconv"
	"time"
)

// Kind says how a window is resolved to an interval.
type Kind uint8

const (
	// Fixed runs from Spec.Start to Spec.End, wall-clock times in the zone.
	Fixed Kind = iota
	// TimeBack is the last Spec.N units of elapsed time before now: [now-N*unit, now).
	TimeBack
	// LastFullDay runs from yesterday 00:00 to today 00:00, local time.
	LastFullDay
	// LastFullWeek is the previous ISO week: Monday 00:00 to this week's Monday 00:00,
	// local time.
	LastFullWeek
	// LastWeekend runs from Saturday 00:00 to Monday 00:00 of the latest weekend that has
	// ended by now, local time.
	LastWeekend
	// LastFullMonth runs from the first of the previous month 00:00 to the first of this
	// month 00:00, local time.
	LastFullMonth
	// FirstToLast runs from the first to the last transaction of the accumulation, both
	// included.
	FirstToLast
	// QualificationToLast runs from the qualification time to the last transaction,
	// included.
	QualificationToLast
	// FirstToFixed runs from the first transaction of the accumulation to Spec.End.
	FirstToFixed
	// QualificationToFixed runs from the qualification time to Spec.End.
	QualificationToFixed
	// SinceEntrance runs from the player's campaign entrance to now.
	SinceEntrance
	// All is no window: every transaction counts. It is what a reward without a declared
	// window gets.
	All
)

var kindNames = [...]string{
	Fixed:                "fixed",
	TimeBack:             "time back",
	LastFullDay:          "last full day",
	LastFullWeek:         "last full week",
	LastWeekend:          "last weekend",
	LastFullMonth:        "last full month",
	FirstToLast:          "first to last",
	QualificationToLast:  "qualification to last",
	FirstToFixed:         "first to fixed",
	QualificationToFixed: "qualification to fixed",
	SinceEntrance:        "since entrance",
	All:                  "all",
}

// String returns the kind's name, for example "last full week".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// valid reports whether k is one of the declared kinds.
func (k Kind) valid() bool { return int(k) < len(kindNames) }

// usesZone reports whether windows of kind k are computed on a wall clock, and so need a
// time zone. The other kinds are instants and elapsed time only.
func (k Kind) usesZone() bool {
	switch k {
	case Fixed, LastFullDay, LastFullWeek, LastWeekend, LastFullMonth, FirstToFixed, QualificationToFixed:
		return true
	}
	return false
}

// Unit is the unit of a [TimeBack] window. Every unit is a fixed amount of elapsed time:
// a Day is 24 hours and a Week 168 hours, whatever the clocks do, so "last 7 days" is
// 168 hours before now, not seven calendar days. The zero Unit is invalid.
type Unit uint8

const (
	Minute Unit = iota + 1
	Hour
	Day  // 24 hours of elapsed time
	Week // 7 * 24 hours of elapsed time
)

var unitNames = [...]string{Minute: "minute", Hour: "hour", Day: "day", Week: "week"}

var unitLengths = [...]time.Duration{Minute: time.Minute, Hour: time.Hour, Day: 24 * time.Hour, Week: 7 * 24 * time.Hour}

// String returns the unit's singular name, for example "day".
func (u Unit) String() string {
	if u.valid() {
		return unitNames[u]
	}
	return "Unit(" + strconv.Itoa(int(u)) + ")"
}

// Duration returns the elapsed time of one unit, or 0 for an invalid unit.
func (u Unit) Duration() time.Duration {
	if u.valid() {
		return unitLengths[u]
	}
	return 0
}

func (u Unit) valid() bool { return u >= Minute && int(u) < len(unitNames) }
