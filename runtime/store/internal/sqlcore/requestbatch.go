package sqlcore

import (
	"context"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// WriteRequests implements store.RequestBatches.
func (s *Store) WriteRequests(ctx context.Context, fs []store.FinishedRequest, rs []store.Request, staleBefore time.Time) ([]store.StartedRequest, error) {
	out := make([]store.StartedRequest, len(rs))
	// Starts only: none waits for the disk. A start lost in a crash is of
	// a request not answered (its answer waits for a commit that waits,
	// after it), which its client sends again. No state is written.
	lazy := len(fs) == 0
	err := s.beginKeepingLazy(ctx, lazy, func(ex Execer) error {
		for _, f := range fs {
			if err := finishRequest(ctx, ex, f.Scope, f.Key, f.Status, f.Response); err != nil {
				return err
			}
		}
		for i, r := range rs {
			got, started, err := startRequest(ctx, ex, r, staleBefore)
			if err != nil {
				return err
			}
			out[i] = store.StartedRequest{Request: got, Started: started}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
