package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// WebhookConfig configures the delivery of outcomes to webhooks. The zero
// value delivers to none.
type WebhookConfig struct {
	// URLs are the endpoints (http or https) every outcome is posted to.
	URLs []string
	// Secret signs every delivery (HMAC-SHA256); required with URLs.
	Secret []byte
	// Timeout bounds one try; default 10 s.
	Timeout time.Duration
	// RetryMin and RetryMax bound the wait after a failed try: RetryMin
	// after the first, doubling, at most RetryMax, each with jitter (a
	// random half of it taken off); default 1 s and 1 hour.
	RetryMin, RetryMax time.Duration
	// Poll is how often the outcome log is read for new outcomes when
	// nothing said there are some (outcomes of the scheduler, of another
	// process); default 500 ms.
	Poll time.Duration
	// Keep is how long the delivery log keeps a try; default 7 days. The
	// older tries are dropped every hour, in transactions of at most 1,000
	// tries.
	Keep time.Duration
	// Client sends the deliveries; default one that follows no redirect.
	Client *http.Client
}

func (c *WebhookConfig) defaults() {
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.RetryMin <= 0 {
		c.RetryMin = time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = time.Hour
	}
	c.RetryMax = max(c.RetryMax, c.RetryMin)
	if c.Poll <= 0 {
		c.Poll = 500 * time.Millisecond
	}
	if c.Keep <= 0 {
		c.Keep = 7 * 24 * time.Hour
	}
	if c.Client == nil {
		c.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
}

// WebhookID is the id of the webhook of a URL: stable across restarts, so
// that the webhook keeps its cursor.
func WebhookID(u string) string {
	h := sha256.Sum256([]byte(u))
	return "wh_" + hex.EncodeToString(h[:6])
}

// checkWebhookURL refuses what is not an absolute http or https URL.
func checkWebhookURL(u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("webhook %q: %v", redactURL(u), err)
	}
	if (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Errorf("webhook %q: expected an http:// or https:// URL with a host", p.Redacted())
	}
	return nil
}

// redactURL is u with the password of its user information, if any, hidden:
// what logs and the API show.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(an invalid URL)"
	}
	return p.Redacted()
}

// webhookDelivery is the body of a delivery: one outcome, as GET
// /v1/outcomes writes it.
type webhookDelivery struct {
	Delivery string         `json:"delivery"`
	Webhook  string         `json:"webhook"`
	Outcome  engine.Outcome `json:"outcome"`
}

// hook is one webhook's delivery state, owned by its goroutine.
type hook struct {
	id, url   string
	secret    []byte // signs its deliveries
	delivered int64  // the last outcome delivered with a 2xx
	stored    int64  // the cursor as stored: delivered, or behind it until flushed
	last      int64  // the last outcome logged, as last read
	pending   []store.WebhookAttempt
	flushed   time.Time
	kick      chan struct{} // new outcomes were logged
	lease     hookLease
}

// hookLease is the lease of one webhook's delivery (store.Leases), so that
// of several processes on one database one delivers to it, in order; a
// process that dies leaves it to another when the lease expires, and one
// that stops releases it at once. Without leases (a store that keeps none)
// the process delivers alone.
type hookLease struct {
	ls      store.Leases // nil: no leases
	name    string
	holder  string
	ttl     time.Duration
	l       store.Lease
	held    bool
	checked time.Time // the wall-clock time of the last Acquire
}

// hold reports whether this process holds the lease, taking or renewing
// it (Acquire renews the holder's own lease) when a third of its length
// has passed since the last time.
func (hl *hookLease) hold(ctx context.Context) (bool, error) {
	if hl.ls == nil {
		hl.held = true
		return true, nil
	}
	if hl.held && time.Since(hl.checked) < hl.ttl/3 {
		return true, nil
	}
	now := time.Now()
	l, ok, err := hl.ls.Acquire(ctx, hl.name, hl.holder, now, hl.ttl)
	if err != nil {
		// Held still while it has not expired: the database may be back
		// before then.
		hl.held = hl.held && now.Before(hl.l.Expires)
		return hl.held, err
	}
	hl.l, hl.held, hl.checked = l, ok, now
	return ok, nil
}

// release gives the lease up, so that another process takes it at once.
func (hl *hookLease) release(ctx context.Context) error {
	held := hl.held
	hl.held = false
	if hl.ls == nil || !held {
		return nil
	}
	return hl.ls.Release(ctx, hl.l)
}

// webhooks is the delivery of outcomes to the webhooks: those of the
// configuration (--webhook) and those an admin added through the API
// (webhookadmin.go), each unless paused.
type webhooks struct {
	cfg        WebhookConfig
	st         store.Webhooks
	configured map[string]string      // id -> URL: the webhooks of the configuration
	backlog    *prometheus.GaugeVec   // webhook
	tries      *prometheus.CounterVec // webhook, result
	// What a new hook's lease takes.
	ls     store.Leases
	holder string
	ttl    time.Duration

	mu      sync.Mutex
	running map[string]*hookRun // the webhooks this process delivers to, by id
	sealErr map[string]bool     // webhooks whose secret could not be opened, logged once
}

// hookRun is a webhook's delivery goroutine.
type hookRun struct {
	h      *hook
	cancel context.CancelFunc
	done   chan struct{}
}

// newWebhooks registers the configured webhooks in the store (a new one
// starts at the end of the outcome log; one known keeps its cursor) and
// their metrics.
func newWebhooks(ctx context.Context, cfg WebhookConfig, st store.Store, reg *prometheus.Registry, now time.Time, ls store.Leases, holder string, ttl time.Duration) (*webhooks, error) {
	cfg.defaults()
	w := &webhooks{cfg: cfg, configured: map[string]string{}, ls: ls, holder: holder, ttl: ttl,
		running: map[string]*hookRun{}, sealErr: map[string]bool{},
		backlog: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "promoc_webhook_backlog",
			Help: "Outcomes logged and not yet delivered to the webhook with a 2xx, by webhook id."}, []string{"webhook"}),
		tries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "promoc_webhook_attempts_total",
			Help: "Tries to deliver an outcome to a webhook, by webhook id and result: delivered (2xx) or failed."}, []string{"webhook", "result"}),
	}
	reg.MustRegister(w.backlog, w.tries)
	ws, ok := st.(store.Webhooks)
	if !ok {
		if len(cfg.URLs) > 0 {
			return nil, fmt.Errorf("server: webhooks: the store (%T) does not keep webhooks: it must implement store.Webhooks", st)
		}
		return w, nil
	}
	w.st = ws
	if len(cfg.URLs) > 0 && len(cfg.Secret) == 0 {
		return nil, errors.New("server: webhooks need a secret to sign their deliveries")
	}
	seen := map[string]bool{}
	for _, u := range cfg.URLs {
		if err := checkWebhookURL(u); err != nil {
			return nil, err
		}
		id := WebhookID(u)
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, err := ws.AddWebhook(ctx, store.Webhook{ID: id, URL: u, Delivered: -1}, now); err != nil {
			return nil, fmt.Errorf("webhook %s: %w", redactURL(u), err)
		}
		w.configured[id] = u
	}
	return w, nil
}

// newHook is the delivery state of a webhook as stored, signed with secret.
func (w *webhooks) newHook(st store.Webhook, secret []byte) *hook {
	return &hook{id: st.ID, url: st.URL, secret: secret, delivered: st.Delivered, stored: st.Delivered, kick: make(chan struct{}, 1),
		lease: hookLease{ls: w.ls, name: "webhook/" + st.ID, holder: w.holder, ttl: w.ttl}}
}

// notify tells every webhook delivering that outcomes were logged.
func (w *webhooks) notify() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range w.running {
		select {
		case r.h.kick <- struct{}{}:
		default:
		}
	}
}

// runWebhooks delivers to every webhook not paused until ctx is done,
// reading every Poll which webhooks there are (an admin adds, pauses,
// resumes and removes them, in this process or another), and prunes the
// delivery log; it returns when every webhook has stopped.
func (s *Server) runWebhooks(ctx context.Context) {
	w := s.hooks
	if w.st == nil {
		return
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.superviseHooks(ctx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if n, err := w.prune(ctx, s.now().Add(-w.cfg.Keep)); err != nil && ctx.Err() == nil {
				s.log.Error("webhooks: pruning the delivery log", slog.String("error", err.Error()))
			} else if n > 0 {
				s.log.Info("webhooks: delivery log pruned", slog.Int64("attempts", n))
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	wg.Wait()
}

// pruneBatch bounds the tries of the delivery log one transaction of the
// pruning drops.
const pruneBatch = 1000

// prune drops the tries of the delivery log made before before, in
// transactions of at most pruneBatch tries when the store can.
func (w *webhooks) prune(ctx context.Context, before time.Time) (int64, error) {
	if p, ok := w.st.(store.WebhookPruner); ok {
		return p.PruneWebhookAttemptsIn(ctx, before, pruneBatch)
	}
	return w.st.PruneWebhookAttempts(ctx, before)
}

// pageOfOutcomes is how many outcomes a webhook reads from the log at once.
const pageOfOutcomes = 200

// deliver delivers the outcomes after the webhook's cursor, in order, one
// at a time, each until a try gets a 2xx, while this process holds the
// webhook's lease, until ctx is done; then it records what it did and
// gives the lease up.
func (s *Server) deliver(ctx context.Context, h *hook) {
	w := s.hooks
	defer func() {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		s.flushHook(fctx, h)
		if err := h.lease.release(fctx); err != nil {
			s.log.Warn("webhooks: releasing a lease", slog.String("webhook", h.id), slog.String("error", err.Error()))
		}
	}()
	s.log.Info("webhooks: delivering", slog.String("webhook", h.id), slog.String("url", redactURL(h.url)), slog.Int64("after", h.delivered))
	for ctx.Err() == nil {
		if !s.holdHook(ctx, h) {
			sleep(ctx, max(h.lease.ttl/3, w.cfg.Poll))
			continue
		}
		last, err := w.st.LastOutcome(ctx)
		if err == nil {
			h.last = max(h.last, last)
			w.backlog.WithLabelValues(h.id).Set(float64(max(h.last-h.delivered, 0)))
		}
		var outs []store.Outcome
		if err == nil && h.last > h.delivered {
			outs, err = s.st.Outcomes(ctx, h.delivered, pageOfOutcomes)
		}
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("webhooks: reading the outcome log", slog.String("webhook", h.id), slog.String("error", err.Error()))
			}
			sleep(ctx, w.cfg.Poll)
			continue
		}
		if len(outs) == 0 {
			s.flushHook(ctx, h)
			select {
			case <-ctx.Done():
			case <-h.kick:
			case <-time.After(w.cfg.Poll):
			}
			continue
		}
		for _, o := range outs {
			if !s.deliverOne(ctx, h, o) {
				break
			}
			if len(h.pending) >= 256 || time.Since(h.flushed) >= 250*time.Millisecond {
				s.flushHook(ctx, h)
			}
		}
	}
}

// holdHook reports whether this process holds the webhook's lease. When
// it has just taken it from another process, the cursor is read again:
// the other went on from where this one left off.
func (s *Server) holdHook(ctx context.Context, h *hook) bool {
	was := h.lease.held
	held, err := h.lease.hold(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("webhooks: taking a lease", slog.String("webhook", h.id), slog.String("error", err.Error()))
	}
	switch {
	case held && !was:
		st, ok, err := s.hooks.st.Webhook(ctx, h.id)
		if err != nil || !ok {
			h.lease.held = false
			return false
		}
		h.delivered, h.stored = max(h.delivered, st.Delivered), max(h.stored, st.Delivered)
		s.log.Info("webhooks: this process delivers", slog.String("webhook", h.id), slog.Int64("after", h.delivered))
	case !held && was:
		s.flushHook(ctx, h)
		s.log.Info("webhooks: another process delivers", slog.String("webhook", h.id), slog.String("holder", h.lease.l.Holder))
	}
	return held
}

// deliverOne tries to deliver one outcome until a try gets a 2xx; it
// reports false when ctx ended first, or the lease passed to another
// process.
func (s *Server) deliverOne(ctx context.Context, h *hook, o store.Outcome) bool {
	w := s.hooks
	id := fmt.Sprintf("%s-%d", h.id, o.Seq)
	var body []byte
	out, err := engine.OutcomeOf(o)
	if err == nil {
		body, err = json.Marshal(webhookDelivery{Delivery: id, Webhook: h.id, Outcome: out})
	}
	for n := 1; ; n++ {
		if !s.holdHook(ctx, h) {
			return false
		}
		var a store.WebhookAttempt
		if err != nil {
			a = store.WebhookAttempt{Webhook: h.id, Delivery: id, Outcome: o.Seq, Attempt: n, At: s.now(), Error: err.Error()}
		} else {
			a = s.try(ctx, h, id, o.Seq, n, body)
		}
		h.pending = append(h.pending, a)
		if a.Error == "" {
			w.tries.WithLabelValues(h.id, "delivered").Inc()
			h.delivered = o.Seq
			h.last = max(h.last, o.Seq)
			w.backlog.WithLabelValues(h.id).Set(float64(h.last - h.delivered))
			return true
		}
		w.tries.WithLabelValues(h.id, "failed").Inc()
		wait := retryWait(n, w.cfg.RetryMin, w.cfg.RetryMax, rand.Int64N)
		s.log.Warn("webhooks: a delivery failed", slog.String("webhook", h.id), slog.String("delivery", id), slog.Int("attempt", n),
			slog.Int("status", a.Status), slog.String("error", a.Error), slog.Duration("retry_in", wait))
		s.flushHook(ctx, h) // a failure is in the log before the wait
		// The wait, in steps that keep the lease.
		for wait > 0 {
			step := wait
			if h.lease.ls != nil {
				step = min(wait, h.lease.ttl/3)
			}
			if !sleep(ctx, step) || !s.holdHook(ctx, h) {
				return false
			}
			wait -= step
		}
	}
}

// try posts one delivery once. A try that has begun is finished even when
// ctx ends (within the timeout), so that a delivery the receiver took is
// recorded as delivered.
func (s *Server) try(ctx context.Context, h *hook, id string, seq int64, n int, body []byte) store.WebhookAttempt {
	w := s.hooks
	at := s.now()
	a := store.WebhookAttempt{Webhook: h.id, Delivery: id, Outcome: seq, Attempt: n, At: at}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		a.Error = err.Error()
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "promoc-webhook/1")
	req.Header.Set(HeaderDelivery, id)
	req.Header.Set(HeaderSignature, SignWebhook(h.secret, at, body))
	start := time.Now()
	resp, err := w.cfg.Client.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		a.Status = resp.StatusCode
		if err == nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
			err = fmt.Errorf("HTTP %d", resp.StatusCode)
		}
	}
	a.Duration = time.Since(start)
	if err != nil {
		a.Error = err.Error()
	}
	return a
}

// flushHook records the tries made since the last flush and moves the
// stored cursor to what was delivered, in one transaction. A failure keeps
// them for the next flush: the cursor then stays behind, and a restart
// delivers those outcomes again (at least once).
func (s *Server) flushHook(ctx context.Context, h *hook) {
	h.flushed = time.Now()
	if len(h.pending) == 0 && h.stored == h.delivered {
		return
	}
	if err := s.hooks.st.AdvanceWebhook(ctx, h.id, h.delivered, h.pending); err != nil {
		if errors.Is(err, store.ErrNoWebhook) { // removed by an admin: nothing to record
			h.pending, h.stored = h.pending[:0], h.delivered
			return
		}
		if ctx.Err() == nil {
			s.log.Error("webhooks: recording deliveries", slog.String("webhook", h.id), slog.String("error", err.Error()))
		}
		return
	}
	h.pending, h.stored = h.pending[:0], h.delivered
}

// retryWait is the wait after the nth failed try: lo doubled n-1 times,
// at most hi, less a random part of up to half of it (jitter, so that
// webhooks failing together do not retry together). rnd(n) is uniform in
// [0, n).
func retryWait(n int, lo, hi time.Duration, rnd func(int64) int64) time.Duration {
	d := lo
	for i := 1; i < n && d < hi; i++ {
		if d > hi/2 {
			d = hi
			break
		}
		d *= 2
	}
	d = min(d, hi)
	return d - time.Duration(rnd(int64(d/2)+1))
}

// sleep waits d, or until ctx is done; it reports whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
