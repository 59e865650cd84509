package server

import (
	"context"
	"net/http"
	"time"
)

// healthz answers while the process runs.
func (s *Server) healthz(ctx context.Context, q *request) (int, any, error) {
	return http.StatusOK, map[string]string{"status": "ok"}, nil
}

// readyz answers 200 while the server takes requests and reaches its
// database (one read, within 2 seconds), 503 otherwise: at shutdown, a
// load balancer stops sending before the listener closes.
func (s *Server) readyz(ctx context.Context, q *request) (int, any, error) {
	if !s.ready.Load() {
		return 0, nil, errorf(http.StatusServiceUnavailable, CodeUnavailable, "shutting down")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := s.st.Outcomes(ctx, 1<<62, 1); err != nil {
		s.log.Warn("not ready: the database", "error", err.Error())
		return 0, nil, errorf(http.StatusServiceUnavailable, CodeUnavailable, "the database does not answer")
	}
	return http.StatusOK, map[string]string{"status": "ready", "rule_set_version": s.program().Version()}, nil
}
