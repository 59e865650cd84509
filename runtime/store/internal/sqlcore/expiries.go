package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// The approval queue by time (store.Expiries): approvals.calculated_ns is
// the time of a result's first calculation (the outcome's At when it was
// queued), kept through recalculations, and indexed by (rule, action,
// calculated_ns).

// Expiring implements store.Expiries.
func (s *Store) Expiring(ctx context.Context, rule, action string, until time.Time, limit int) ([]store.Queued, error) {
	var out []store.Queued
	err := s.D.Read(ctx, func(ex Execer) error {
		out = nil
		rows, err := ex.Query(ctx, `SELECT player, trigger_hash, calculated_ns FROM approvals
			WHERE rule = $1 AND action = $2 AND calculated_ns <= $3
			ORDER BY calculated_ns, player, trigger_hash LIMIT $4`, rule, action, nanos(until), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			q := store.Queued{Key: store.Key{Rule: rule, Action: action}}
			var at int64
			if err := rows.Scan(&q.Key.Player, &q.Key.TriggerHash, &at); err != nil {
				return err
			}
			q.At = fromNanos(at)
			out = append(out, q)
		}
		return rows.Err()
	})
	return out, err
}

// Expire implements store.Expiries.
func (s *Store) Expire(ctx context.Context, keys []store.Queued) ([]store.Outcome, error) {
	var out []store.Outcome
	err := s.D.Begin(ctx, func(ex Execer) error {
		out = make([]store.Outcome, 0, len(keys))
		for _, q := range keys {
			o, err := s.take(ctx, ex, q.Key, "void", q.At)
			if errors.Is(err, store.ErrNotWaiting) {
				continue // decided by an operator, or expired by another engine
			}
			if err != nil {
				return err
			}
			o.Status, o.Reason = store.Rejected, store.ReasonTimedOut
			out = append(out, o)
		}
		pend := make([]*pending, len(out))
		for i := range out {
			pend[i] = &pending{o: out[i], refs: []*store.Outcome{&out[i]}}
		}
		return s.appendLog(ctx, ex, pend)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// notWaiting is the error of a key that no result waits for: ErrTimedOut
// (an ErrNotWaiting too) when its latest outcome is its expiry.
func notWaiting(ctx context.Context, ex Execer, key store.Key) error {
	var status, reason string
	err := ex.QueryRow(ctx, `SELECT status, reason FROM outcomes
		WHERE rule = $1 AND action = $2 AND player = $3 AND trigger_hash = $4 ORDER BY seq DESC LIMIT 1`,
		key.Rule, key.Action, key.Player, key.TriggerHash).Scan(&status, &reason)
	if err == nil && status == string(store.Rejected) && reason == store.ReasonTimedOut {
		return fmt.Errorf("%+v: %w: %w", key, store.ErrTimedOut, store.ErrNotWaiting)
	}
	return fmt.Errorf("%+v: %w", key, store.ErrNotWaiting)
}
