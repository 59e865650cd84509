package window

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// zone loads an IANA zone for a test.
func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := LoadZone(name)
	require.NoError(t, err)
	return loc
}

// utc returns a UTC instant.
func utc(y int, m time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, m, d, h, mi, s, 0, time.UTC)
}

// wall returns a Wall.
func wall(y int, m time.Month, d, h, mi, s int) Wall {
	return Wall{Year: y, Month: m, Day: d, Hour: h, Min: mi, Sec: s}
}

const (
	day  = 24 * time.Hour
	week = 7 * day
)
