package store

import (
	"context"
	"errors"
	"time"
)

// ErrWebhookExists: a webhook has the ID already.
var ErrWebhookExists = errors.New("a webhook has this id already")

// WebhookSettings is a webhook with what an admin set: whether its
// delivery is paused and, for a webhook added through the API, its
// signing secret, sealed by the server (the store never sees it in clear).
type WebhookSettings struct {
	Webhook
	Paused bool
	// Sealed is the webhook's own secret, sealed; nil for a webhook of the
	// server's configuration (--webhook), signed with the server's secret.
	Sealed []byte
}

// WebhookAdmin keeps the webhooks an admin adds, pauses, resumes and
// removes through promoc serve's API. Both drivers implement it; each
// method runs in the transaction of [Audited.WithAudit] when called on its
// tx.
type WebhookAdmin interface {
	// CreateWebhook stores a new webhook with its sealed secret, starting
	// at w.Delivered or, when that is negative, at the end of the outcome
	// log. [ErrWebhookExists] when the ID is taken.
	CreateWebhook(ctx context.Context, w Webhook, sealed []byte, at time.Time) (Webhook, error)
	// WebhookSettings is the webhook of an ID with its settings; ok is
	// false when none is stored.
	WebhookSettings(ctx context.Context, id string) (WebhookSettings, bool, error)
	// WebhookSettingsList lists the webhooks with their settings, by ID.
	WebhookSettingsList(ctx context.Context) ([]WebhookSettings, error)
	// PauseWebhook pauses (true) or resumes (false) a webhook's delivery;
	// its cursor stays. [ErrNoWebhook] when no webhook has the ID.
	PauseWebhook(ctx context.Context, id string, paused bool) error
	// RemoveWebhook deletes a webhook and its delivery log.
	// [ErrNoWebhook] when no webhook has the ID.
	RemoveWebhook(ctx context.Context, id string) error
}
