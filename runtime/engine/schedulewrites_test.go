package engine_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// finishFails is a store whose FinishRun of vip_noon fails while fail is
// set: a scheduled run whose pages are written and whose end is not
// recorded, as after a crash at that point.
type finishFails struct {
	store.Store
	fail atomic.Bool
}

func (s *finishFails) FinishRun(ctx context.Context, campaign, zone, localDate string, at time.Time) error {
	if s.fail.Load() && campaign == "vip_noon" {
		return errInjected
	}
	return s.Store.FinishRun(ctx, campaign, zone, localDate, at)
}

// TestScheduleWritesOnlyItsAudience: a scheduled run writes the state of
// the players it gives an outcome, not of those it leaves as they were
// (outside the segment). A run resumed after its pages were written gives
// nothing twice; a player it left is decided again, as one it had not
// reached: one who joined the segment meanwhile gets the firing.
func TestScheduleWritesOnlyItsAudience(t *testing.T) {
	ctx := context.Background()
	st := &finishFails{Store: openStore(t)}
	e := engineFor(t, "schedules", st, engine.Options{})
	reg := utc("2026-11-01T00:00:00Z")
	handle(t, e,
		zoned("low", "Europe/Malta", reg, map[string]any{"vip_level": json.Number("0")}),
		zoned("none", "Europe/Malta", reg, nil),
		zoned("vip", "Europe/Malta", reg, map[string]any{"vip_level": json.Number("2")}),
	)
	_, err := e.Advance(ctx, utc("2026-11-01T12:00:00Z"))
	require.NoError(t, err)

	st.fail.Store(true)
	outs, err := e.Advance(ctx, utc("2026-11-02T11:00:00Z"))
	require.ErrorIs(t, err, errInjected)
	assert.Equal(t, []string{"vip Europe/Malta 2026-11-02T12:00 2026-11-02T11:00:00Z issued"}, fired(outs, "vip_noon"))
	for _, p := range []string{"low", "none"} {
		s, err := st.State(ctx, p, "vip_noon")
		require.NoError(t, err)
		assert.Zero(t, s.Version, "%s: no state row written for a player the run left as it was", p)
	}
	s, err := st.State(ctx, "vip", "vip_noon")
	require.NoError(t, err)
	assert.Equal(t, int64(1), s.Version)

	// low joins the segment before the run resumes.
	handle(t, e, playerEv("up", "low", utc("2026-11-02T11:30:00Z"), "", "", map[string]any{"vip_level": json.Number("1")}))
	st.fail.Store(false)
	outs, err = e.Advance(ctx, utc("2026-11-02T11:00:00Z"))
	require.NoError(t, err)
	assert.Equal(t, []string{"low Europe/Malta 2026-11-02T12:00 2026-11-02T11:00:00Z issued"}, fired(outs, "vip_noon"))
	outs, err = e.Advance(ctx, utc("2026-11-02T11:00:00Z"))
	require.NoError(t, err)
	assert.Empty(t, fired(outs, "vip_noon"), "the run is finished")
	var log []string
	for _, l := range storedLog(t, st) {
		if strings.HasPrefix(l, "vip_noon ") {
			log = append(log, l)
		}
	}
	assert.ElementsMatch(t, []string{"vip_noon vip issued 1pts", "vip_noon low issued 1pts"}, log, "each once")
}
