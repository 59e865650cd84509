package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// feed is a page of the outcome log: Next is the cursor of the next page
// (the last sequence number read, or the one asked when nothing was).
type feed struct {
	Outcomes []engine.Outcome `json:"outcomes"`
	Next     int64            `json:"next"`
}

// getOutcomes reads the outcome log after a sequence number.
func (s *Server) getOutcomes(ctx context.Context, q *request) (int, any, error) {
	after, limit, err := page(q)
	if err != nil {
		return 0, nil, err
	}
	rows, err := s.st.Outcomes(ctx, after, limit)
	if err != nil {
		return 0, nil, err
	}
	f, err := feedOf(rows, after)
	return http.StatusOK, f, err
}

func feedOf(rows []store.Outcome, after int64) (feed, error) {
	f := feed{Outcomes: make([]engine.Outcome, 0, len(rows)), Next: after}
	for _, so := range rows {
		o, err := engine.OutcomeOf(so)
		if err != nil {
			return feed{}, fmt.Errorf("outcome %d: %w", so.Seq, err)
		}
		f.Outcomes = append(f.Outcomes, o)
		f.Next = so.Seq
	}
	return f, nil
}
