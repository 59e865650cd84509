package server

import (
	"context"
	"net/http"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// webhookJSON is a webhook as GET /v1/webhooks lists it: never its
// secret, and its URL without a password.
type webhookJSON struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// Source: "configuration" (the --webhook flag) or "api" (POST
	// /v1/webhooks, with a secret of its own).
	Source string `json:"source"`
	// Paused by an admin: not delivered to, its cursor kept.
	Paused bool `json:"paused"`
	// Active: this server delivers to it (webhooks.delivers).
	Active bool `json:"active"`
	// Delivered is the durable cursor: every outcome up to it was
	// delivered with a 2xx. Last is the last outcome logged; Backlog what
	// is left to deliver.
	Delivered int64     `json:"delivered"`
	Last      int64     `json:"last"`
	Backlog   int64     `json:"backlog"`
	Created   time.Time `json:"created"`
}

// getWebhooks lists the webhooks the store knows, with their cursors.
func (s *Server) getWebhooks(ctx context.Context, q *request) (int, any, error) {
	if p := queryOf(q); p.err != nil {
		return 0, nil, p.err
	}
	out := struct {
		Webhooks []webhookJSON `json:"webhooks"`
	}{Webhooks: []webhookJSON{}}
	if s.hooks.st == nil {
		return http.StatusOK, out, nil
	}
	var ws []store.WebhookSettings
	if wa, ok := s.hooks.st.(store.WebhookAdmin); ok {
		list, err := wa.WebhookSettingsList(ctx)
		if err != nil {
			return 0, nil, err
		}
		ws = list
	} else {
		list, err := s.hooks.st.WebhookList(ctx)
		if err != nil {
			return 0, nil, err
		}
		for _, w := range list {
			ws = append(ws, store.WebhookSettings{Webhook: w})
		}
	}
	last, err := s.hooks.st.LastOutcome(ctx)
	if err != nil {
		return 0, nil, err
	}
	for _, w := range ws {
		out.Webhooks = append(out.Webhooks, s.webhookOf(w, last))
	}
	return http.StatusOK, out, nil
}

// attemptJSON is one try of the delivery log.
type attemptJSON struct {
	Seq        int64     `json:"seq"`
	Delivery   string    `json:"delivery"`
	Outcome    int64     `json:"outcome"`
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"at"`
	Status     int       `json:"status"` // 0 when no response came
	Error      string    `json:"error,omitempty"`
	DurationMS float64   `json:"duration_ms"`
}

// getDeliveries reads the delivery log of a webhook after a sequence
// number.
func (s *Server) getDeliveries(ctx context.Context, q *request) (int, any, error) {
	after, limit, err := page(q)
	if err != nil {
		return 0, nil, err
	}
	id := q.PathValue("id")
	notFound := errorf(http.StatusNotFound, CodeNotFound, "webhook %q: no such webhook; GET /v1/webhooks lists them", id).with("webhook", id)
	if s.hooks.st == nil {
		return 0, nil, notFound
	}
	if _, ok, err := s.hooks.st.Webhook(ctx, id); err != nil {
		return 0, nil, err
	} else if !ok {
		return 0, nil, notFound
	}
	rows, err := s.hooks.st.WebhookAttempts(ctx, id, after, limit)
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Attempts []attemptJSON `json:"attempts"`
		Next     int64         `json:"next"`
	}{Attempts: []attemptJSON{}, Next: after}
	for _, a := range rows {
		out.Attempts = append(out.Attempts, attemptJSON{Seq: a.Seq, Delivery: a.Delivery, Outcome: a.Outcome, Attempt: a.Attempt,
			At: a.At.UTC(), Status: a.Status, Error: a.Error, DurationMS: float64(a.Duration.Microseconds()) / 1000})
		out.Next = a.Seq
	}
	return http.StatusOK, out, nil
}
