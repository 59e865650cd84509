package window

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadZone(t *testing.T) {
	tests := []struct {
		name string
		err  string
	}{
		{"Europe/Malta", ""},
		{"America/New_York", ""},
		{"Asia/Tokyo", ""},
		{"UTC", ""},
		{"", "unknown time zone: the name is empty"},
		{"Local", `unknown time zone "Local": the machine's local zone is not allowed, name an IANA zone such as "Europe/Malta"`},
		{"Europe/Atlantis", `unknown time zone "Europe/Atlantis"`},
		{"../../etc/passwd", `unknown time zone "../../etc/passwd"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := LoadZone(tt.name)
			if tt.err != "" {
				assert.ErrorIs(t, err, ErrUnknownZone)
				assert.EqualError(t, err, tt.err)
				assert.Nil(t, loc)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.name, loc.String())
		})
	}
}

// The embedded database has the zones the tests use, with the rules they assume.
func TestLoadZoneRules(t *testing.T) {
	malta := zone(t, "Europe/Malta")
	assert.Equal(t, 23*time.Hour, time.Date(2026, 3, 30, 0, 0, 0, 0, malta).Sub(time.Date(2026, 3, 29, 0, 0, 0, 0, malta)))
	ny := zone(t, "America/New_York")
	assert.Equal(t, 25*time.Hour, time.Date(2026, 11, 2, 0, 0, 0, 0, ny).Sub(time.Date(2026, 11, 1, 0, 0, 0, 0, ny)))
}
