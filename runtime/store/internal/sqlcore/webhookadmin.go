package sqlcore

import (
	"context"
	"fmt"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// CreateWebhook implements store.WebhookAdmin.
func (s *Store) CreateWebhook(ctx context.Context, w store.Webhook, sealed []byte, at time.Time) (store.Webhook, error) {
	if w.ID == "" || w.URL == "" || len(sealed) == 0 {
		return store.Webhook{}, fmt.Errorf("webhook: id, URL and sealed secret are required")
	}
	var got store.Webhook
	err := s.D.Begin(ctx, func(ex Execer) error {
		n, err := ex.Exec(ctx, `INSERT INTO webhooks (id, url, delivered_seq, created_ns, sealed_secret, paused)
			VALUES ($1, $2, CASE WHEN CAST($3 AS BIGINT) < 0 THEN (SELECT COALESCE(MAX(seq), 0) FROM outcomes) ELSE CAST($3 AS BIGINT) END, $4, $5, 0)
			ON CONFLICT (id) DO NOTHING`, w.ID, w.URL, w.Delivered, nanos(at), sealed)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%q: %w", w.ID, store.ErrWebhookExists)
		}
		var created int64
		got = store.Webhook{}
		err = ex.QueryRow(ctx, `SELECT id, url, delivered_seq, created_ns FROM webhooks WHERE id = $1`, w.ID).
			Scan(&got.ID, &got.URL, &got.Delivered, &created)
		got.Created = fromNanos(created)
		return err
	})
	return got, err
}

func (s *Store) webhookSettings(ctx context.Context, q string, args ...any) ([]store.WebhookSettings, error) {
	var out []store.WebhookSettings
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		var w store.WebhookSettings
		var created, paused int64
		if err := r.Scan(&w.ID, &w.URL, &w.Delivered, &created, &paused, &w.Sealed); err != nil {
			return err
		}
		w.Created, w.Paused = fromNanos(created), paused != 0
		if len(w.Sealed) == 0 {
			w.Sealed = nil
		}
		out = append(out, w)
		return nil
	}, q, args...)
	return out, err
}

const webhookSettingsCols = `id, url, delivered_seq, created_ns, paused, sealed_secret`

// WebhookSettings implements store.WebhookAdmin.
func (s *Store) WebhookSettings(ctx context.Context, id string) (store.WebhookSettings, bool, error) {
	ws, err := s.webhookSettings(ctx, `SELECT `+webhookSettingsCols+` FROM webhooks WHERE id = $1`, id)
	if err != nil || len(ws) == 0 {
		return store.WebhookSettings{}, false, err
	}
	return ws[0], true, nil
}

// WebhookSettingsList implements store.WebhookAdmin.
func (s *Store) WebhookSettingsList(ctx context.Context) ([]store.WebhookSettings, error) {
	return s.webhookSettings(ctx, `SELECT `+webhookSettingsCols+` FROM webhooks ORDER BY id`)
}

// PauseWebhook implements store.WebhookAdmin.
func (s *Store) PauseWebhook(ctx context.Context, id string, paused bool) error {
	p := 0
	if paused {
		p = 1
	}
	return s.D.Begin(ctx, func(ex Execer) error {
		n, err := ex.Exec(ctx, `UPDATE webhooks SET paused = $2 WHERE id = $1`, id, p)
		if err == nil && n == 0 {
			err = fmt.Errorf("%q: %w", id, store.ErrNoWebhook)
		}
		return err
	})
}

// RemoveWebhook implements store.WebhookAdmin.
func (s *Store) RemoveWebhook(ctx context.Context, id string) error {
	return s.D.Begin(ctx, func(ex Execer) error {
		n, err := ex.Exec(ctx, `DELETE FROM webhooks WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%q: %w", id, store.ErrNoWebhook)
		}
		_, err = ex.Exec(ctx, `DELETE FROM webhook_attempts WHERE webhook = $1`, id)
		return err
	})
}
