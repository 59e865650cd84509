package server

import (
	"context"
	"log/slog"
	"time"
)

// housekeeping is how often the scheduler prunes: event bodies no window
// reads, and Idempotency-Keys older than KeepRequests.
const housekeeping = time.Hour

// schedule fires what is due every Tick until ctx is done: the engine's
// Advance with the wall clock (inactivity, scheduled campaigns), and now
// and then the pruning. A failed round is logged and tried again at the
// next tick; the engine decides each firing once, however often it is
// asked.
func (s *Server) schedule(ctx context.Context) {
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	var pruned time.Time
	for {
		s.advance(ctx)
		if now := s.now(); now.Sub(pruned) >= housekeeping {
			s.prune(ctx, now)
			pruned = now
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// advance runs one round of the scheduler.
func (s *Server) advance(ctx context.Context) {
	now := s.now()
	cur, done := s.use()
	outs, err := cur.eng.Advance(ctx, now)
	done()
	if ctx.Err() == nil {
		s.met.round(now, err)
	}
	s.met.logged(outs...)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("scheduler: advance", slog.Time("now", now), slog.String("error", err.Error()))
		}
		return
	}
	if len(outs) > 0 {
		s.log.Info("scheduler: fired", slog.Time("now", now), slog.Int("outcomes", len(outs)))
	}
}

func (s *Server) prune(ctx context.Context, now time.Time) {
	cur, done := s.use()
	n, err := cur.eng.Prune(ctx, now)
	done()
	if err != nil && ctx.Err() == nil {
		s.log.Error("scheduler: prune events", slog.String("error", err.Error()))
	}
	m, err := s.st.PruneRequests(ctx, now.Add(-s.cfg.KeepRequests))
	if err != nil && ctx.Err() == nil {
		s.log.Error("scheduler: prune idempotency keys", slog.String("error", err.Error()))
	}
	if n > 0 || m > 0 {
		s.log.Info("scheduler: pruned", slog.Int64("event_bodies", n), slog.Int64("idempotency_keys", m))
	}
}
