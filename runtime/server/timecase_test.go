package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEventsLowerCaseTime posts events whose times write the T and the Z
// in lower case, as RFC 3339 allows (section 5.6, NOTE): they are the same
// instants, the outcome's times are written in upper case, and the same
// event in upper case is a repeat.
func TestEventsLowerCaseTime(t *testing.T) {
	h := newHarness(t)
	lower := func(m map[string]any) map[string]any {
		s := m["time"].(string)
		m["time"] = strings.Replace(strings.Replace(s, "T", "t", 1), "Z", "z", 1)
		return m
	}
	d1 := ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")
	r := h.events([]any{lower(reg("reg-p1", "p1", t0)), lower(d1)})
	require.Equal(t, 200, r.status, "%s", r.raw)
	outs := r.json["outcomes"].([]any)
	require.Len(t, outs, 1)
	o := outs[0].(map[string]any)
	assert.Equal(t, "issued", o["status"])
	assert.Equal(t, "2026-11-02T10:01:00Z", o["at"])
	assert.Equal(t, "2026-11-02T10:01:00Z", o["trigger"].(map[string]any)["time"])

	r = h.events(ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card"))
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, outs, r.json["outcomes"], "the same event: the outcome it stored")
	assert.Len(t, h.outcomes(), 1)

	bad := ev("d2", "p1", "deposit", t0, "amount", "50.00", "method", "card")
	bad["time"] = "2026-11-02x10:00:00z"
	r = h.events(bad)
	assert.Equal(t, 422, r.status, "%s", r.raw)
	assert.Contains(t, string(r.raw), `time: invalid time \"2026-11-02x10:00:00z\"`)
}
