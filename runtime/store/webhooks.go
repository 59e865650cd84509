package store

import (
	"context"
	"time"
)

// Webhook is an endpoint that promoc serve delivers outcomes to. The
// outcome log is its outbox: Delivered is a durable cursor in it.
type Webhook struct {
	ID  string // stable: names the webhook in the API, its metrics and its deliveries
	URL string
	// Delivered is the sequence number of the last outcome delivered with
	// a 2xx: every outcome up to it was delivered, in order. It only moves
	// forward.
	Delivered int64
	Created   time.Time // UTC
}

// WebhookAttempt is one try to deliver one outcome to a webhook.
type WebhookAttempt struct {
	Seq      int64  // set by the store: > 0, increasing
	Webhook  string // the webhook's ID
	Delivery string // the delivery's id, the same in every try
	Outcome  int64  // the outcome's sequence number
	Attempt  int    // 1 for the first try (since the process started)
	At       time.Time
	Status   int    // the HTTP status; 0 when no response came
	Error    string // why it failed; "" for a 2xx
	Duration time.Duration
}

// Webhooks keeps the webhooks of promoc serve and their delivery log. Both
// drivers implement it.
type Webhooks interface {
	// AddWebhook registers a webhook under its ID and returns it as
	// stored: a new one starts at w.Delivered, or, when that is negative,
	// at the end of the outcome log (it is sent the outcomes logged from
	// then on); one registered before keeps its cursor and takes w.URL.
	AddWebhook(ctx context.Context, w Webhook, at time.Time) (Webhook, error)
	// Webhook is the webhook of an ID; ok is false when none is stored.
	Webhook(ctx context.Context, id string) (w Webhook, ok bool, err error)
	// WebhookList lists the webhooks, by ID.
	WebhookList(ctx context.Context) ([]Webhook, error)
	// AdvanceWebhook records tries in the delivery log and moves the
	// webhook's cursor forward to delivered (never back), in one
	// transaction. [ErrNoWebhook] when no webhook has the ID.
	AdvanceWebhook(ctx context.Context, id string, delivered int64, attempts []WebhookAttempt) error
	// WebhookAttempts reads the delivery log of a webhook after sequence
	// number after, at most limit, in order.
	WebhookAttempts(ctx context.Context, id string, after int64, limit int) ([]WebhookAttempt, error)
	// PruneWebhookAttempts drops the tries made before before and returns
	// how many.
	PruneWebhookAttempts(ctx context.Context, before time.Time) (int64, error)
	// LastOutcome is the sequence number of the last outcome logged, 0
	// when none: what a webhook delivered up to Delivered still has to
	// deliver is LastOutcome - Delivered outcomes (the log has no gaps).
	LastOutcome(ctx context.Context) (int64, error)
}
