package server

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestRetryWait: the wait doubles from the minimum to the maximum, and the
// jitter takes off at most half of it.
func TestRetryWait(t *testing.T) {
	none := func(int64) int64 { return 0 }
	most := func(n int64) int64 { return n - 1 }
	tests := []struct {
		n      int
		lo, hi time.Duration
		jitter func(int64) int64
		want   time.Duration
	}{
		{1, time.Second, time.Hour, none, time.Second},
		{2, time.Second, time.Hour, none, 2 * time.Second},
		{5, time.Second, time.Hour, none, 16 * time.Second},
		{12, time.Second, time.Hour, none, 2048 * time.Second},
		{13, time.Second, time.Hour, none, time.Hour},
		{1000, time.Second, time.Hour, none, time.Hour},
		{1, time.Second, time.Hour, most, 500 * time.Millisecond},
		{1000, time.Second, time.Hour, most, 30 * time.Minute},
		{3, time.Minute, time.Minute, none, time.Minute},
		{64, 1 << 40, 1 << 62, none, 1 << 62},
	}
	for _, tt := range tests {
		got := retryWait(tt.n, tt.lo, tt.hi, tt.jitter)
		assert.Equal(t, tt.want, got, "retryWait(%d, %s, %s)", tt.n, tt.lo, tt.hi)
	}
}
