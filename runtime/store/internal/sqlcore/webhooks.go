package sqlcore

import (
	"context"
	"fmt"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// AddWebhook implements store.Webhooks. A new webhook's cursor at the end
// of the log is read by the INSERT itself: an outcome committed after it
// has a higher sequence number, and is delivered.
func (s *Store) AddWebhook(ctx context.Context, w store.Webhook, at time.Time) (store.Webhook, error) {
	if w.ID == "" || w.URL == "" {
		return store.Webhook{}, fmt.Errorf("webhook: id and URL are required")
	}
	var got store.Webhook
	err := s.D.Begin(ctx, func(ex Execer) error {
		if _, err := ex.Exec(ctx, `INSERT INTO webhooks (id, url, delivered_seq, created_ns)
			VALUES ($1, $2, CASE WHEN CAST($3 AS BIGINT) < 0 THEN (SELECT COALESCE(MAX(seq), 0) FROM outcomes) ELSE CAST($3 AS BIGINT) END, $4)
			ON CONFLICT (id) DO UPDATE SET url = excluded.url`, w.ID, w.URL, w.Delivered, nanos(at)); err != nil {
			return err
		}
		var created int64
		got = store.Webhook{}
		err := ex.QueryRow(ctx, `SELECT id, url, delivered_seq, created_ns FROM webhooks WHERE id = $1`, w.ID).
			Scan(&got.ID, &got.URL, &got.Delivered, &created)
		got.Created = fromNanos(created)
		return err
	})
	return got, err
}

func (s *Store) webhooks(ctx context.Context, q string, args ...any) ([]store.Webhook, error) {
	var out []store.Webhook
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		var w store.Webhook
		var created int64
		if err := r.Scan(&w.ID, &w.URL, &w.Delivered, &created); err != nil {
			return err
		}
		w.Created = fromNanos(created)
		out = append(out, w)
		return nil
	}, q, args...)
	return out, err
}

// Webhook implements store.Webhooks.
func (s *Store) Webhook(ctx context.Context, id string) (store.Webhook, bool, error) {
	ws, err := s.webhooks(ctx, `SELECT id, url, delivered_seq, created_ns FROM webhooks WHERE id = $1`, id)
	if err != nil || len(ws) == 0 {
		return store.Webhook{}, false, err
	}
	return ws[0], true, nil
}

// WebhookList implements store.Webhooks.
func (s *Store) WebhookList(ctx context.Context) ([]store.Webhook, error) {
	return s.webhooks(ctx, `SELECT id, url, delivered_seq, created_ns FROM webhooks ORDER BY id`)
}

// AdvanceWebhook implements store.Webhooks: the tries in many-row INSERTs,
// then the cursor, in one transaction.
func (s *Store) AdvanceWebhook(ctx context.Context, id string, delivered int64, attempts []store.WebhookAttempt) error {
	return s.D.Begin(ctx, func(ex Execer) error {
		var cur int64
		if err := ex.QueryRow(ctx, `SELECT delivered_seq FROM webhooks WHERE id = $1`, id).Scan(&cur); err != nil {
			if s.D.NoRows(err) {
				return fmt.Errorf("%q: %w", id, store.ErrNoWebhook)
			}
			return err
		}
		rows := make([][]any, 0, len(attempts))
		for _, a := range attempts {
			rows = append(rows, []any{id, a.Delivery, a.Outcome, a.Attempt, nanos(a.At), a.Status, a.Error, int64(a.Duration)})
		}
		if err := insertRows(ctx, ex, `INSERT INTO webhook_attempts (webhook, delivery, outcome, attempt, at_ns, status, error, duration_ns) VALUES `, 8,
			``, rows, false); err != nil {
			return err
		}
		if delivered <= cur {
			return nil
		}
		_, err := ex.Exec(ctx, `UPDATE webhooks SET delivered_seq = $2 WHERE id = $1 AND delivered_seq < $2`, id, delivered)
		return err
	})
}

// WebhookAttempts implements store.Webhooks.
func (s *Store) WebhookAttempts(ctx context.Context, id string, after int64, limit int) ([]store.WebhookAttempt, error) {
	var out []store.WebhookAttempt
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		var a store.WebhookAttempt
		var at, d, attempt, status int64
		if err := r.Scan(&a.Seq, &a.Webhook, &a.Delivery, &a.Outcome, &attempt, &at, &status, &a.Error, &d); err != nil {
			return err
		}
		a.Attempt, a.Status, a.At, a.Duration = int(attempt), int(status), fromNanos(at), time.Duration(d)
		out = append(out, a)
		return nil
	}, `SELECT seq, webhook, delivery, outcome, attempt, at_ns, status, error, duration_ns FROM webhook_attempts
		WHERE webhook = $1 AND seq > $2 ORDER BY seq LIMIT $3`, id, after, limit)
	return out, err
}

// PruneWebhookAttempts implements store.Webhooks.
func (s *Store) PruneWebhookAttempts(ctx context.Context, before time.Time) (int64, error) {
	return s.PruneWebhookAttemptsIn(ctx, before, store.WebhookPruneBatch)
}

// PruneWebhookAttemptsIn implements store.WebhookPruner: each transaction
// deletes the oldest batch tries (through the index on at_ns) until fewer
// are left.
func (s *Store) PruneWebhookAttemptsIn(ctx context.Context, before time.Time, batch int) (int64, error) {
	if batch <= 0 {
		return 0, fmt.Errorf("pruning the delivery log: a batch of %d tries: expected at least 1", batch)
	}
	var total int64
	for {
		var n int64
		err := s.D.Begin(ctx, func(ex Execer) error {
			var err error
			n, err = ex.Exec(ctx, `DELETE FROM webhook_attempts WHERE seq IN (
				SELECT seq FROM webhook_attempts WHERE at_ns < $1 ORDER BY at_ns LIMIT $2)`, nanos(before), batch)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < int64(batch) {
			return total, nil
		}
	}
}

// LastOutcome implements store.Webhooks.
func (s *Store) LastOutcome(ctx context.Context) (int64, error) {
	var last int64
	err := s.D.Read(ctx, func(ex Execer) error {
		return ex.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM outcomes`).Scan(&last)
	})
	return last, err
}
