package server

import "time"

// Swapping says whether a swap of the engine waits for the work in flight
// or runs (fence.go): TryRLock fails while a writer waits or holds the
// lock.
func (s *Server) Swapping() bool {
	if !s.gate.TryRLock() {
		return true
	}
	s.gate.RUnlock()
	return false
}

// HoldCharts takes every turn to draw a chart and makes a chart wait at
// most wait for one (tracking_chart.go); release gives the turns back.
func (s *Server) HoldCharts(wait time.Duration) (release func()) {
	s.charts.wait = wait
	for range chartsAtOnce {
		s.charts.turn <- struct{}{}
	}
	return func() {
		for range chartsAtOnce {
			<-s.charts.turn
		}
	}
}
