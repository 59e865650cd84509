package server

import (
	"context"
	"net/http"
)

// getPlayerState reports a player's state as the store has it: data,
// per-rule counters, anchors and limits, and groups. A player the store
// knows nothing of is a 404.
func (s *Server) getPlayerState(ctx context.Context, q *request) (int, any, error) {
	if p := queryOf(q); p.err != nil {
		return 0, nil, p.err
	}
	id := q.PathValue("id")
	cur, done := s.use()
	ps, err := cur.eng.State(ctx, id)
	done()
	if err != nil {
		return 0, nil, err
	}
	if ps.Latest.IsZero() && len(ps.Rules) == 0 && ps.Currency == "" && ps.Zone == "" && len(ps.Properties) == 0 {
		_, stored, err := s.st.Player(ctx, id)
		if err != nil {
			return 0, nil, err
		}
		if !stored {
			return 0, nil, errorf(http.StatusNotFound, CodeNotFound, "player %q: no data, no event, no state", id).with("player", id)
		}
	}
	return http.StatusOK, ps, nil
}
