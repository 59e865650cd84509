package server

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/promoc/promoc/runtime/store"
)

// Webhooks added through the API carry a secret of their own, given by the
// admin at creation. The server must sign with it, so it cannot keep a
// hash: it seals it with AES-256-GCM under a key derived from the server's
// own webhook secret (WebhookConfig.Secret, PROMOC_WEBHOOK_SECRET), the
// webhook's id as additional data, and stores only the sealed bytes. A copy
// of the database alone reveals no secret; the secret is never returned
// after creation (not even in the creation's response) and never logged.
// Without a server secret, creating a webhook is refused.

// minWebhookSecret bounds a webhook's own secret, in bytes.
const (
	minWebhookSecret = 16
	maxWebhookSecret = 1024
)

// sealVersion is the first byte of a sealed secret: the scheme.
const sealVersion = 1

// sealingKey is the AES-256 key derived from the server's secret.
func sealingKey(master []byte) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("promoc webhook secret sealing v1"))
	return m.Sum(nil)
}

func sealGCM(master []byte) (cipher.AEAD, error) {
	if len(master) == 0 {
		return nil, errors.New("no server webhook secret to seal with")
	}
	b, err := aes.NewCipher(sealingKey(master))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// sealSecret seals a webhook's secret for the store.
func sealSecret(master []byte, id string, secret []byte) ([]byte, error) {
	g, err := sealGCM(master)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+g.NonceSize(), 1+g.NonceSize()+len(secret)+g.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return g.Seal(out, out[1:], secret, []byte(id)), nil
}

// openSecret opens a sealed secret: an error when the server's secret is
// not the one that sealed it, or the bytes were changed.
func openSecret(master []byte, id string, sealed []byte) ([]byte, error) {
	g, err := sealGCM(master)
	if err != nil {
		return nil, err
	}
	if len(sealed) < 1+g.NonceSize() || sealed[0] != sealVersion {
		return nil, errors.New("not a sealed secret of this version")
	}
	n := sealed[1 : 1+g.NonceSize()]
	return g.Open(nil, n, sealed[1+g.NonceSize():], []byte(id))
}

// newWebhookID is a random id for a webhook added through the API.
func newWebhookID() (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return fmt.Sprintf("wh_%x", b[:]), nil
}

// superviseHooks keeps a delivery goroutine running for each webhook
// that is not paused (of the configuration, or added through the API with
// a secret this server can open), reading the store's webhooks at once
// and every Poll, until ctx is done; then it stops them all.
func (s *Server) superviseHooks(ctx context.Context) {
	w := s.hooks
	defer w.stopAll()
	for {
		if err := s.reconcileHooks(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("webhooks: reading the webhooks", slog.String("error", err.Error()))
		}
		if !sleep(ctx, w.cfg.Poll) {
			return
		}
	}
}

// reconcileHooks starts the deliveries of the webhooks that should run
// and stops the others.
func (s *Server) reconcileHooks(ctx context.Context) error {
	w := s.hooks
	want := map[string]*hook{}
	if wa, ok := w.st.(store.WebhookAdmin); ok {
		list, err := wa.WebhookSettingsList(ctx)
		if err != nil {
			return err
		}
		for _, st := range list {
			if st.Paused {
				continue
			}
			if _, ok := w.configured[st.ID]; ok && st.Sealed == nil {
				want[st.ID] = w.newHook(st.Webhook, w.cfg.Secret)
				continue
			}
			if st.Sealed == nil {
				continue // of another server's configuration
			}
			secret, err := openSecret(w.cfg.Secret, st.ID, st.Sealed)
			if err != nil {
				w.mu.Lock()
				logged := w.sealErr[st.ID]
				w.sealErr[st.ID] = true
				w.mu.Unlock()
				if !logged {
					s.log.Error("webhooks: the secret of a webhook cannot be opened with this server's PROMOC_WEBHOOK_SECRET: not delivering to it",
						slog.String("webhook", st.ID), slog.String("error", err.Error()))
				}
				continue
			}
			want[st.ID] = w.newHook(st.Webhook, secret)
		}
	} else {
		for id := range w.configured {
			st, ok, err := w.st.Webhook(ctx, id)
			if err != nil {
				return err
			}
			if ok {
				want[id] = w.newHook(st, w.cfg.Secret)
			}
		}
	}
	w.mu.Lock()
	var stop []*hookRun
	for id, r := range w.running {
		if want[id] == nil {
			stop = append(stop, r)
			delete(w.running, id)
		}
	}
	var start []*hookRun
	for id, h := range want {
		if w.running[id] == nil {
			hctx, cancel := context.WithCancel(ctx)
			r := &hookRun{h: h, cancel: cancel, done: make(chan struct{})}
			w.running[id] = r
			start = append(start, r)
			go func() {
				defer close(r.done)
				s.deliver(hctx, h)
			}()
		}
	}
	w.mu.Unlock()
	for _, r := range stop {
		r.cancel()
		<-r.done
		s.log.Info("webhooks: stopped delivering (paused or removed)", slog.String("webhook", r.h.id))
	}
	return nil
}

// delivers reports whether this server delivers to a webhook: not paused,
// and of its configuration or with a secret it can open.
func (w *webhooks) delivers(st store.WebhookSettings) bool {
	if st.Paused {
		return false
	}
	if st.Sealed == nil {
		_, ok := w.configured[st.ID]
		return ok
	}
	_, err := openSecret(w.cfg.Secret, st.ID, st.Sealed)
	return err == nil
}

// stopAll stops every delivery and waits for each to record what it did.
func (w *webhooks) stopAll() {
	w.mu.Lock()
	runs := make([]*hookRun, 0, len(w.running))
	for id, r := range w.running {
		runs = append(runs, r)
		delete(w.running, id)
	}
	w.mu.Unlock()
	for _, r := range runs {
		r.cancel()
	}
	for _, r := range runs {
		<-r.done
	}
}

// webhookAdmin is the store's webhook administration, or a 501.
func (s *Server) webhookAdmin() (store.WebhookAdmin, error) {
	if wa, ok := s.hooks.st.(store.WebhookAdmin); ok && s.hooks.st != nil {
		return wa, nil
	}
	return nil, errorf(http.StatusNotImplemented, CodeNoWebhookAdmin, "this server's store cannot keep webhooks added through the API")
}

// webhookOf is the JSON of a webhook's settings, with the log's end.
func (s *Server) webhookOf(st store.WebhookSettings, last int64) webhookJSON {
	source := "api"
	if st.Sealed == nil {
		source = "configuration"
	}
	return webhookJSON{ID: st.ID, URL: redactURL(st.URL), Source: source, Paused: st.Paused, Active: s.hooks.delivers(st),
		Delivered: st.Delivered, Last: last, Backlog: max(last-st.Delivered, 0), Created: st.Created.UTC()}
}

// postWebhook adds a webhook: {"url", "secret"}. The secret is sealed
// before it is stored and never answered.
func (s *Server) postWebhook(ctx context.Context, q *request) (int, any, error) {
	if p := queryOf(q); p.err != nil {
		return 0, nil, p.err
	}
	var in struct {
		URL    string `json:"url"`
		Secret string `json:"secret"`
	}
	if err := decodeBody(q.body, &in); err != nil {
		return 0, nil, err
	}
	if err := checkWebhookURL(in.URL); err != nil {
		return 0, nil, errorf(http.StatusUnprocessableEntity, CodeInvalidWebhook, "url: %v", err).with("field", "url")
	}
	if n := len(in.Secret); n < minWebhookSecret || n > maxWebhookSecret {
		// The message never repeats the secret.
		return 0, nil, errorf(http.StatusUnprocessableEntity, CodeInvalidWebhook,
			"secret: expected %d to %d bytes (openssl rand -hex 32 makes one), found %d", minWebhookSecret, maxWebhookSecret, n).with("field", "secret")
	}
	if _, err := s.webhookAdmin(); err != nil {
		return 0, nil, err
	}
	if len(s.hooks.cfg.Secret) == 0 {
		return 0, nil, errorf(http.StatusNotImplemented, CodeNoWebhookAdmin,
			"this server has no PROMOC_WEBHOOK_SECRET to seal webhook secrets with: start it with one to add webhooks through the API")
	}
	id, err := newWebhookID()
	if err != nil {
		return 0, nil, err
	}
	sealed, err := sealSecret(s.hooks.cfg.Secret, id, []byte(in.Secret))
	if err != nil {
		return 0, nil, err
	}
	var out webhookJSON
	err = s.audited(ctx, q, "webhook.create", func(tx store.Store) (string, any, any, error) {
		twa, ok := tx.(store.WebhookAdmin)
		if !ok {
			return "", nil, nil, fmt.Errorf("server: the store's transaction (%T) cannot keep webhooks", tx)
		}
		w, err := twa.CreateWebhook(ctx, store.Webhook{ID: id, URL: in.URL, Delivered: -1}, sealed, s.now())
		if errors.Is(err, store.ErrWebhookExists) {
			err = errorf(http.StatusConflict, CodeWebhookExists, "webhook %q exists already: try again", id)
		}
		if err != nil {
			return "", nil, nil, err
		}
		out = s.webhookOf(store.WebhookSettings{Webhook: w, Sealed: sealed}, w.Delivered)
		return id, nil, out, nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, out, nil
}

// postWebhookPause pauses a webhook's delivery; postWebhookResume resumes it.
func (s *Server) postWebhookPause(ctx context.Context, q *request) (int, any, error) {
	return s.setPaused(ctx, q, true)
}

func (s *Server) postWebhookResume(ctx context.Context, q *request) (int, any, error) {
	return s.setPaused(ctx, q, false)
}

func (s *Server) setPaused(ctx context.Context, q *request, paused bool) (int, any, error) {
	if p := queryOf(q); p.err != nil {
		return 0, nil, p.err
	}
	if err := decodeBody(q.body, &struct{}{}); err != nil {
		return 0, nil, err
	}
	if _, err := s.webhookAdmin(); err != nil {
		return 0, nil, err
	}
	id := q.PathValue("id")
	action := "webhook.resume"
	if paused {
		action = "webhook.pause"
	}
	var out webhookJSON
	err := s.audited(ctx, q, action, func(tx store.Store) (string, any, any, error) {
		twa, ok := tx.(store.WebhookAdmin)
		if !ok {
			return "", nil, nil, fmt.Errorf("server: the store's transaction (%T) cannot keep webhooks", tx)
		}
		before, last, err := s.webhookIn(ctx, tx, twa, id)
		if err != nil {
			return "", nil, nil, err
		}
		if err := twa.PauseWebhook(ctx, id, paused); err != nil {
			return "", nil, nil, err
		}
		after := before
		after.Paused = paused
		out = s.webhookOf(after, last)
		return id, s.webhookOf(before, last), out, nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

// deleteWebhook removes a webhook added through the API, with its
// delivery log.
func (s *Server) deleteWebhook(ctx context.Context, q *request) (int, any, error) {
	if p := queryOf(q); p.err != nil {
		return 0, nil, p.err
	}
	if _, err := s.webhookAdmin(); err != nil {
		return 0, nil, err
	}
	id := q.PathValue("id")
	var out webhookJSON
	err := s.audited(ctx, q, "webhook.remove", func(tx store.Store) (string, any, any, error) {
		twa, ok := tx.(store.WebhookAdmin)
		if !ok {
			return "", nil, nil, fmt.Errorf("server: the store's transaction (%T) cannot keep webhooks", tx)
		}
		before, last, err := s.webhookIn(ctx, tx, twa, id)
		if err != nil {
			return "", nil, nil, err
		}
		if before.Sealed == nil {
			return "", nil, nil, errorf(http.StatusConflict, CodeWebhookConfigured,
				"webhook %q comes from a server's --webhook flag: remove the flag (or pause it here)", id).with("webhook", id)
		}
		if err := twa.RemoveWebhook(ctx, id); err != nil {
			return "", nil, nil, err
		}
		out = s.webhookOf(before, last)
		return id, out, nil, nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

// webhookIn reads a webhook in a transaction, or a 404.
func (s *Server) webhookIn(ctx context.Context, tx store.Store, twa store.WebhookAdmin, id string) (store.WebhookSettings, int64, error) {
	st, ok, err := twa.WebhookSettings(ctx, id)
	if err != nil {
		return st, 0, err
	}
	if !ok {
		return st, 0, errorf(http.StatusNotFound, CodeNotFound, "webhook %q: no such webhook; GET /v1/webhooks lists them", id).with("webhook", id)
	}
	var last int64
	if tw, ok := tx.(store.Webhooks); ok {
		if last, err = tw.LastOutcome(ctx); err != nil {
			return st, 0, err
		}
	}
	return st, last, nil
}
