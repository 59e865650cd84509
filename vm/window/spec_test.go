package window

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSpecString(t *testing.T) {
	tests := []struct {
		spec Spec
		want string
	}{
		{Spec{Kind: Fixed, Start: wall(2026, 3, 1, 0, 0, 0), End: wall(2026, 4, 1, 0, 0, 0), Zone: "Europe/Malta"}, `from 2026-03-01 00:00 to 2026-04-01 00:00 in "Europe/Malta"`},
		{Spec{Kind: Fixed, Start: wall(2026, 3, 1, 8, 30, 15), End: wall(2026, 3, 2, 0, 0, 0)}, `from 2026-03-01 08:30:15 to 2026-03-02 00:00`},
		{Spec{Kind: Fixed, Start: wall(2026, 3, 1, 0, 0, 0), End: wall(2026, 3, 2, 0, 0, 0), PlayerZone: true}, `from 2026-03-01 00:00 to 2026-03-02 00:00 in player zone`},
		{Spec{Kind: TimeBack, N: 7, Unit: Day}, `last 7 days`},
		{Spec{Kind: TimeBack, N: 1, Unit: Hour}, `last 1 hour`},
		{Spec{Kind: TimeBack, N: 90, Unit: Minute}, `last 90 minutes`},
		{Spec{Kind: TimeBack, N: 2, Unit: Week}, `last 2 weeks`},
		{Spec{Kind: TimeBack, N: 2, Unit: Week, Zone: "Europe/Malta"}, `last 2 weeks`},
		{Spec{Kind: LastFullDay, PlayerZone: true}, `last full day in player zone`},
		{Spec{Kind: LastFullDay}, `last full day`},
		{Spec{Kind: LastFullWeek, Zone: "Europe/Malta"}, `last full week in "Europe/Malta"`},
		{Spec{Kind: LastWeekend, Zone: "UTC"}, `last weekend in "UTC"`},
		{Spec{Kind: LastFullMonth, Zone: "America/New_York"}, `last full month in "America/New_York"`},
		{Spec{Kind: FirstToLast}, `between first transaction and last transaction`},
		{Spec{Kind: QualificationToLast}, `between qualification and last transaction`},
		{Spec{Kind: FirstToFixed, End: wall(2026, 4, 1, 0, 0, 0), Zone: "Europe/Malta"}, `from first transaction to 2026-04-01 00:00 in "Europe/Malta"`},
		{Spec{Kind: QualificationToFixed, End: wall(2026, 4, 1, 0, 0, 0), PlayerZone: true}, `from qualification to 2026-04-01 00:00 in player zone`},
		{Spec{Kind: SinceEntrance}, `since entrance`},
		{Spec{Kind: All}, `all time`},
		{Spec{Kind: 200}, `Kind(200)`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.spec.String(), "%#v.String()", tt.spec)
	}
}

func TestKindString(t *testing.T) {
	want := map[Kind]string{
		Fixed: "fixed", TimeBack: "time back", LastFullDay: "last full day", LastFullWeek: "last full week",
		LastWeekend: "last weekend", LastFullMonth: "last full month", FirstToLast: "first to last",
		QualificationToLast: "qualification to last", FirstToFixed: "first to fixed",
		QualificationToFixed: "qualification to fixed", SinceEntrance: "since entrance", All: "all",
	}
	for k := Fixed; k <= All; k++ {
		assert.Equal(t, want[k], k.String(), "Kind(%d).String()", k)
	}
	assert.Equal(t, "Kind(12)", Kind(12).String())
}

func TestUnit(t *testing.T) {
	tests := []struct {
		unit Unit
		name string
		d    time.Duration
	}{
		{0, "Unit(0)", 0},
		{Minute, "minute", time.Minute},
		{Hour, "hour", time.Hour},
		{Day, "day", 24 * time.Hour},
		{Week, "week", 7 * 24 * time.Hour},
		{Week + 1, "Unit(5)", 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.name, tt.unit.String(), "Unit(%d).String()", tt.unit)
		assert.Equal(t, tt.d, tt.unit.Duration(), "Unit(%d).Duration()", tt.unit)
	}
}

func TestWall(t *testing.T) {
	tests := []struct {
		wall  Wall
		valid bool
	}{
		{wall(2026, 1, 31, 0, 0, 0), true},
		{wall(2026, 2, 28, 23, 59, 59), true},
		{wall(2026, 2, 29, 0, 0, 0), false},
		{wall(2028, 2, 29, 0, 0, 0), true},
		{wall(2026, 4, 31, 0, 0, 0), false},
		{wall(2026, 4, 0, 0, 0, 0), false},
		{wall(2026, 0, 1, 0, 0, 0), false},
		{wall(2026, 13, 1, 0, 0, 0), false},
		{wall(2026, 1, 1, 24, 0, 0), false},
		{wall(2026, 1, 1, -1, 0, 0), false},
		{wall(2026, 1, 1, 0, 60, 0), false},
		{wall(2026, 1, 1, 0, 0, 60), false},
		{wall(0, 1, 1, 0, 0, 0), false},
		{wall(10000, 1, 1, 0, 0, 0), false},
		{Wall{}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.valid, tt.wall.valid(), "%v.valid()", tt.wall)
	}
	assert.Equal(t, "2026-03-01 09:05", wall(2026, 3, 1, 9, 5, 0).String())
	assert.Equal(t, "2026-03-01 09:05:07", wall(2026, 3, 1, 9, 5, 7).String())
}

func TestStaticLength(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want time.Duration
		ok   bool
	}{
		{"time back", Spec{Kind: TimeBack, N: 7, Unit: Day}, 7 * day, true},
		{"time back 32 days", Spec{Kind: TimeBack, N: 32, Unit: Day}, 32 * day, true},
		{"time back overflow", Spec{Kind: TimeBack, N: math.MaxInt64, Unit: Minute}, math.MaxInt64, true},
		{"time back invalid", Spec{Kind: TimeBack, N: 0, Unit: Day}, 0, false},
		{"fixed", Spec{Kind: Fixed, Start: wall(2026, 3, 1, 0, 0, 0), End: wall(2026, 3, 8, 12, 0, 0)}, 7*day + 12*time.Hour, true},
		// Measured on the wall clock: 31 days, although 31 days and 1 hour elapse.
		{"fixed across winter time", Spec{Kind: Fixed, Start: wall(2026, 10, 1, 0, 0, 0), End: wall(2026, 11, 1, 0, 0, 0), Zone: "Europe/Malta"}, MaxLength, true},
		{"fixed in player zone", Spec{Kind: Fixed, Start: wall(2026, 3, 1, 0, 0, 0), End: wall(2026, 4, 2, 0, 0, 0), PlayerZone: true}, 32 * day, true},
		{"fixed reversed", Spec{Kind: Fixed, Start: wall(2026, 3, 2, 0, 0, 0), End: wall(2026, 3, 1, 0, 0, 0)}, -day, true},
		{"fixed invalid", Spec{Kind: Fixed, Start: wall(2026, 2, 30, 0, 0, 0), End: wall(2026, 3, 1, 0, 0, 0)}, 0, false},
		{"last full day", Spec{Kind: LastFullDay, Zone: "Europe/Malta"}, 0, false},
		{"last full month", Spec{Kind: LastFullMonth}, 0, false},
		{"first to fixed", Spec{Kind: FirstToFixed, End: wall(2026, 3, 1, 0, 0, 0)}, 0, false},
		{"since entrance", Spec{Kind: SinceEntrance}, 0, false},
		{"all", Spec{Kind: All}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.spec.StaticLength()
			assert.Equal(t, tt.ok, ok, "StaticLength(%v) ok", tt.spec)
			assert.Equal(t, tt.want, got, "StaticLength(%v)", tt.spec)
		})
	}
}

// StaticLength agrees with Resolve: a window whose static length is over MaxLength fails
// to resolve, and one within it resolves, in any zone.
func TestStaticLengthAgreesWithResolve(t *testing.T) {
	now := utc(2026, 11, 15, 12, 0, 0)
	zones := []string{"", "Europe/Malta", "America/New_York", "Australia/Lord_Howe"}
	for _, z := range zones {
		for start := wall(2026, 9, 20, 0, 0, 0).civil(); start.Month() < 11; start = start.Add(5 * time.Hour) {
			for _, length := range []time.Duration{MaxLength - time.Hour, MaxLength, MaxLength + time.Second, MaxLength + time.Hour} {
				s := Spec{Kind: Fixed, Start: wallOf(start), End: wallOf(start.Add(length)), Zone: z}
				static, ok := s.StaticLength()
				require.True(t, ok)
				_, err := Resolve(s, now, nil, Anchors{})
				if static > MaxLength {
					assert.ErrorIs(t, err, ErrTooLong, "Resolve(%v)", s)
				} else {
					assert.NoError(t, err, "Resolve(%v)", s)
				}
			}
		}
	}
}

// wallOf returns the Wall of a civil time.
func wallOf(c time.Time) Wall {
	return wall(c.Year(), c.Month(), c.Day(), c.Hour(), c.Minute(), c.Second())
}

func TestValidate(t *testing.T) {
	malta := zone(t, "Europe/Malta")
	tests := []struct {
		name string
		spec Spec
		err  error
		msg  string
	}{
		{"time back", Spec{Kind: TimeBack, N: 31, Unit: Day}, nil, ""},
		{"time back too long", Spec{Kind: TimeBack, N: 32, Unit: Day}, ErrTooLong, "window of 32 days exceeds the maximum of 31 days"},
		{"time back zero", Spec{Kind: TimeBack, Unit: Day}, ErrInvalid, ""},
		{"fixed", Spec{Kind: Fixed, Start: wall(2026, 10, 1, 0, 0, 0), End: wall(2026, 11, 1, 0, 0, 0), Zone: "Europe/Malta"}, nil, ""},
		{"fixed with loc", Spec{Kind: Fixed, Start: wall(2026, 10, 1, 0, 0, 0), End: wall(2026, 11, 1, 0, 0, 0), Zone: "Europe/Malta", Loc: malta}, nil, ""},
		{"fixed with the wrong loc", Spec{Kind: Fixed, Start: wall(2026, 10, 1, 0, 0, 0), End: wall(2026, 11, 1, 0, 0, 0), Zone: "Europe/Rome", Loc: malta}, ErrInvalid, `invalid window: Loc is "Europe/Malta" but Zone is "Europe/Rome"`},
		{"fixed too long", Spec{Kind: Fixed, Start: wall(2026, 3, 1, 0, 0, 0), End: wall(2026, 4, 15, 0, 0, 0), PlayerZone: true}, ErrTooLong, "window of 45 days exceeds the maximum of 31 days"},
		{"fixed reversed", Spec{Kind: Fixed, Start: wall(2026, 3, 2, 0, 0, 0), End: wall(2026, 3, 1, 0, 0, 0)}, ErrStartAfterEnd, "window starts after it ends: end 2026-03-01 00:00 is not after start 2026-03-02 00:00"},
		{"fixed empty", Spec{Kind: Fixed, Start: wall(2026, 3, 2, 0, 0, 0), End: wall(2026, 3, 2, 0, 0, 0)}, ErrStartAfterEnd, ""},
		{"unknown zone", Spec{Kind: LastFullDay, Zone: "Mars/Olympus_Mons"}, ErrUnknownZone, `unknown time zone "Mars/Olympus_Mons"`},
		{"local zone", Spec{Kind: LastFullDay, Zone: "Local"}, ErrUnknownZone, ""},
		{"zone and player zone", Spec{Kind: LastFullDay, Zone: "Europe/Malta", PlayerZone: true}, ErrInvalid, ""},
		{"player zone", Spec{Kind: LastFullMonth, PlayerZone: true}, nil, ""},
		{"first to fixed", Spec{Kind: FirstToFixed, End: wall(2026, 4, 1, 0, 0, 0)}, nil, ""},
		{"first to fixed invalid", Spec{Kind: FirstToFixed, End: wall(2026, 4, 31, 0, 0, 0)}, ErrInvalid, ""},
		{"since entrance", Spec{Kind: SinceEntrance}, nil, ""},
		{"all", Spec{Kind: All}, nil, ""},
		{"unknown kind", Spec{Kind: 99}, ErrInvalid, "invalid window: unknown kind Kind(99)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			if tt.err == nil {
				assert.NoError(t, err, "Validate(%v)", tt.spec)
				return
			}
			assert.ErrorIs(t, err, tt.err, "Validate(%v)", tt.spec)
			if tt.msg != "" {
				assert.EqualError(t, err, tt.msg, "Validate(%v)", tt.spec)
			}
		})
	}
}
