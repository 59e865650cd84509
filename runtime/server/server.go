package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/tracking"
)

// Config configures a server. Store is required, and Program unless the
// store has a rule set deployed; the zero value of every other field is a
// default.
type Config struct {
	// Program is the rule set of the directory the server was started
	// with. A version deployed through the API, kept in the store, wins
	// over it (see rulesets.go).
	Program *runtime.Program
	// Seed are the files of Program (its rule files, test files and the
	// fixtures they load), recorded as a deployment when the store's
	// active version is not one deployed through the API; nil records
	// nothing.
	Seed  []store.RuleSetFile
	Store store.Store
	// Engine configures the campaign engine; its BatchSize is set to
	// MaxEvents, so that the events of one request are one transaction,
	// and its PageSize, when not set, to 500 (requests wait behind a page
	// of a scheduled run).
	Engine engine.Options
	// Logger receives one line per request and the scheduler's reports;
	// default: none.
	Logger *slog.Logger
	// Clock is the wall clock of the scheduler, of decisions (approvals,
	// suspensions, budgets) and of idempotency keys; default time.Now.
	Clock func() time.Time
	// Tick is how often the scheduler fires what is due; default 5 s.
	Tick time.Duration
	// MaxBody bounds a request's body; default 8 MiB.
	MaxBody int64
	// MaxEvents bounds the events of one request; default 10,000.
	MaxEvents int
	// KeepRequests is how long a request's Idempotency-Key and response
	// are kept; default 24 hours.
	KeepRequests time.Duration
	// StaleRequest is how long a request may run before its
	// Idempotency-Key is taken to be abandoned (its process died) and may
	// be used again; default 2 minutes, more than WriteTimeout.
	StaleRequest time.Duration
	// ReadTimeout and WriteTimeout bound reading a request and writing
	// its response; default 10 s and 60 s.
	ReadTimeout, WriteTimeout time.Duration
	// ShutdownTimeout bounds the wait for requests in flight at shutdown;
	// default 30 s.
	ShutdownTimeout time.Duration
	// Webhooks are the endpoints outcomes are delivered to, by Serve.
	Webhooks WebhookConfig
	// Kafka is a topic Serve consumes events from (kafka.go); none when
	// it names no broker.
	Kafka KafkaConfig
	// Leases keeps the leases of the scheduler's jobs, so that several
	// servers on one database run each job once (lease.go); default the
	// Store, when it implements store.Leases (both drivers do).
	Leases store.Leases
	// LeaseTTL is how long a job's lease lasts unless renewed (it is
	// renewed every third of it): how long a job left by a process that
	// died waits for another; default 30 s.
	LeaseTTL time.Duration
	// Holder names this process in the leases; default host:pid:random.
	Holder string
	// Tracking configures the tracking of offers (its Store is the
	// server's, its Clock the server's by default); it is served when the
	// store keeps tracking (store.Tracking).
	Tracking tracking.Config
	// Poll is how often the server reads, in the store, whether another
	// process deployed a rule set or erased a player; default 2 s.
	Poll time.Duration
	// Async answers every POST /v1/events with 202, as if it were sent
	// with Prefer: respond-async.
	Async bool
	// KeyCache is how long an API key found valid is trusted without
	// reading the store again (keycache.go): a key revoked is refused at
	// most this long after; default 5 s, negative: read at every request.
	KeyCache time.Duration
	// KeepInbox is how long an inbox entry is kept once handled; default
	// KeepRequests.
	KeepInbox time.Duration
	// Trace, when set, gets where each POST /v1/events with an
	// Idempotency-Key spent its time, once answered (trace.go): a
	// debugging aid, called in the request's goroutine; nil in a release
	// build of promoc serve.
	Trace func(RequestTrace)
}

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Tick <= 0 {
		c.Tick = 5 * time.Second
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 8 << 20
	}
	if c.MaxEvents <= 0 {
		c.MaxEvents = 10_000
	}
	if c.KeepRequests <= 0 {
		c.KeepRequests = 24 * time.Hour
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 10 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 60 * time.Second
	}
	if c.StaleRequest <= 0 {
		c.StaleRequest = 2 * c.WriteTimeout
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if c.Leases == nil {
		c.Leases, _ = c.Store.(store.Leases)
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 30 * time.Second
	}
	if c.Holder == "" {
		c.Holder = holderName()
	}
	if c.Poll <= 0 {
		c.Poll = 2 * time.Second
	}
	if c.KeepInbox <= 0 {
		c.KeepInbox = c.KeepRequests
	}
	if c.KeyCache == 0 {
		c.KeyCache = 5 * time.Second
	}
}

// Server is promoc's HTTP service: the campaign engine of one rule set on
// one store, behind the JSON API of [Routes].
type Server struct {
	cfg Config
	st  store.Store
	aud store.Audited // st: a change and its audit entry in one transaction
	// cur is the rule set running and its engine, replaced whole by a
	// deployment, a rollback or an erasure (rulesets.go); a request reads
	// it once.
	cur atomic.Pointer[live]
	// swap serializes what replaces cur in this process; gate fences
	// the replacement from the work that uses the engine (fence.go).
	swap sync.Mutex
	gate sync.RWMutex
	// lease is the engines' Options.Lease (nil without Config.Leases).
	lease func(ctx context.Context, job string) (context.Context, func(), bool, error)
	// rs, er and in are the store's concerns besides store.Store; nil
	// when the store lacks one, and then its endpoints answer 404.
	rs      store.RuleSets
	er      store.Eraser
	in      store.Inbox
	inboxID string        // this process's name as the inbox's lease holder
	wake    chan struct{} // tells the inbox's worker an entry came
	smet    *serviceMetrics
	log     *slog.Logger
	handler http.Handler
	ready   atomic.Bool
	openapi []byte // the document of /v1/openapi.json
	met     *metrics
	hooks   *webhooks
	trk     *tracking.Tracker // nil when the store keeps no tracking
	charts  *charts           // the tracking report's charts (tracking_chart.go)
	kafka   *kafkaConsumer    // nil without Config.Kafka
	batch   *batcher          // the engine's events, grouped (batcher.go)
	keys    *keyBatcher       // Idempotency-Keys, grouped (keybatcher.go); nil when the store has no batches
	keyc    *keyCache         // the API keys found valid (keycache.go); nil when Config.KeyCache < 0
	// busyKeys are the Idempotency-Keys of the requests of POST
	// /v1/events running in this process (idempotentUnstarted).
	busyKeys runningKeys

	// pricing is the payouts' prices of the rule set running (tracking.go).
	pricing atomic.Pointer[pricing]
}

// New makes a server: it opens the campaign engine on the store (which
// opens the budget accounts the rules declare).
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: a store is required")
	}
	aud, ok := cfg.Store.(store.Audited)
	if !ok {
		return nil, fmt.Errorf("server: the store (%T) does not write a change and its audit entry in one transaction: it must implement store.Audited", cfg.Store)
	}
	cfg.defaults()
	met := newMetrics()
	s := &Server{cfg: cfg, st: cfg.Store, aud: aud, log: cfg.Logger, met: met, smet: newServiceMetrics(met.reg), wake: make(chan struct{}, 1)}
	met.reg.MustRegister(newBudgetCollector(s))
	s.batch = newBatcher(s.engine, cfg.MaxEvents)
	if re, ok := cfg.Store.(store.RequestEnds); ok {
		if _, ok := cfg.Store.(store.EventOutcomes); ok { // a repeat is answered from the log
			s.batch.ends = re
		}
	}
	s.keyc = newKeyCache(cfg.KeyCache, cfg.Clock)
	if cfg.Leases != nil {
		s.lease = newLeaser(cfg.Leases, cfg.Holder, cfg.LeaseTTL, cfg.Logger, met.reg).lease
	}
	s.rs, _ = cfg.Store.(store.RuleSets)
	s.er, _ = cfg.Store.(store.Eraser)
	s.in, _ = cfg.Store.(store.Inbox)
	s.inboxID = newRef()
	if err := s.boot(ctx); err != nil {
		return nil, err
	}
	var err error
	if rb, ok := cfg.Store.(store.RequestBatches); ok {
		s.keys = newKeyBatcher(rb)
	}
	if s.trk, err = s.newTracker(cfg); err != nil {
		return nil, err
	}
	s.charts = newCharts(s.met.reg)
	if s.openapi, err = openAPI(); err != nil {
		return nil, err
	}
	if len(cfg.Kafka.Brokers) > 0 {
		if s.kafka, err = s.newKafka(cfg.Kafka); err != nil {
			return nil, err
		}
	}
	if s.hooks, err = newWebhooks(ctx, cfg.Webhooks, cfg.Store, s.met.reg, s.now(), cfg.Leases, cfg.Holder, cfg.LeaseTTL); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	s.ready.Store(true)
	return s, nil
}

// Handler is the server's HTTP handler, for tests and for hosts that
// serve it themselves (without the scheduler of [Server.Serve]).
func (s *Server) Handler() http.Handler { return s.handler }

// now is the server's clock, in UTC.
func (s *Server) now() time.Time { return s.cfg.Clock().UTC() }

// Serve serves the API on ln and runs the scheduler until ctx is done;
// then it stops taking requests, finishes those in flight (within
// ShutdownTimeout) and the scheduler's current work, and returns nil. An
// error is one of the listener.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	schedCtx, stopSched := context.WithCancel(context.WithoutCancel(ctx))
	var background sync.WaitGroup
	background.Go(func() { s.schedule(schedCtx) })
	background.Go(func() { s.runWebhooks(schedCtx) })
	background.Go(func() { s.watch(schedCtx) })
	background.Go(func() { s.work(schedCtx) })
	background.Go(func() { s.runKafka(schedCtx) })
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()

	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		s.ready.Store(false)
		s.log.Info("shutting down: finishing the requests in flight", slog.Duration("timeout", s.cfg.ShutdownTimeout))
		sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		err = hs.Shutdown(sctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			err = errors.New("requests still in flight after the shutdown timeout were cut off")
			hs.Close()
		}
		<-errc
	}
	stopSched()
	background.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// request is what a handler gets: the request, its body (read whole,
// within the limit) and the key it came with.
type request struct {
	*http.Request
	body []byte
	who  principal
}

// handlerFunc answers a request with a status and a value to write as
// JSON, or an error.
type handlerFunc func(ctx context.Context, q *request) (int, any, error)

// idemMode says how an endpoint takes the Idempotency-Key header.
type idemMode uint8

const (
	idemNone     idemMode = iota // ignored
	idemOptional                 // honoured when sent
	idemRequired                 // missing: 400
)

// Route is one endpoint of the API.
type Route struct {
	Method, Path string
	Roles        []Role // the roles allowed besides admin; nil: no key needed
	Summary      string
	idem         idemMode
	// bodyTypes are the media types the body may have besides
	// application/json.
	bodyTypes []string
	h         handlerFunc
	raw       http.Handler // answers instead of h, in a format of its own
	// again answers a repeat of a request whose end was recorded with
	// its work, without its response (store.RequestEnds): from what the
	// work stored. nil: the route's ends are recorded with their
	// responses.
	again handlerFunc
}

// Idempotency says how the route takes the Idempotency-Key header:
// "required", "optional" or "".
func (rt Route) Idempotency() string {
	return [...]string{"", "optional", "required"}[rt.idem]
}

var (
	everyone = []Role{Viewer, Operator, Approver}
	operator = []Role{Operator}
	approver = []Role{Approver}
)

// Routes lists the endpoints of the API, in the order of the README's
// table.
func (s *Server) Routes() []Route {
	return []Route{
		{Method: "GET", Path: "/healthz", Summary: "the process is up", h: s.healthz},
		{Method: "GET", Path: "/readyz", Summary: "the server takes requests and reaches its database", h: s.readyz},
		{Method: "GET", Path: "/v1/openapi.json", Summary: "the OpenAPI 3.1 document of the API", h: s.getOpenAPI},
		{Method: "POST", Path: "/v1/events", Roles: operator, idem: idemRequired, Summary: "handle one event or an array of events; answers with their outcomes", h: s.postEvents, again: s.eventsAgain},
		{Method: "GET", Path: "/v1/outcomes", Roles: everyone, Summary: "the outcome log after a sequence number (?after=SEQ&limit=N)", h: s.getOutcomes},
		{Method: "POST", Path: "/v1/eval", Roles: everyone, Summary: "evaluate one reward on an input document (?reward=NAME), storing nothing", h: s.postEval},
		{Method: "GET", Path: "/v1/approvals", Roles: everyone, Summary: "the results waiting for approval (?after=SEQ&limit=N)", h: s.getApprovals},
		{Method: "POST", Path: "/v1/approvals/approve", Roles: approver, idem: idemOptional, Summary: "issue a waiting result ({\"key\"})", h: s.postApprove},
		{Method: "POST", Path: "/v1/approvals/reject", Roles: approver, idem: idemOptional, Summary: "drop a waiting result ({\"key\", \"reason\"})", h: s.postReject},
		{Method: "POST", Path: "/v1/approvals/recalculate", Roles: []Role{Operator, Approver}, idem: idemOptional, Summary: "evaluate every waiting result again with the running rules", h: s.postRecalculate},
		{Method: "GET", Path: "/v1/campaigns", Roles: everyone, Summary: "the status and budgets of every campaign", h: s.getCampaigns},
		{Method: "GET", Path: "/v1/campaigns/{name}", Roles: everyone, Summary: "the status and budgets of one campaign", h: s.getCampaign},
		{Method: "POST", Path: "/v1/campaigns/{name}/suspend", Roles: operator, idem: idemOptional, Summary: "suspend a campaign ({\"reason\"})", h: s.postSuspend},
		{Method: "POST", Path: "/v1/campaigns/{name}/resume", Roles: operator, idem: idemOptional, Summary: "make a suspended campaign active again", h: s.postResume},
		{Method: "PUT", Path: "/v1/campaigns/{name}/budgets/{currency}", Roles: operator, idem: idemOptional, Summary: "open or change a campaign's budget in a currency ({\"limit\"})", h: s.putBudget},
		{Method: "PUT", Path: "/v1/campaigns/{name}/budget", Roles: operator, idem: idemOptional, Summary: "open or change the budget without a currency of a rule giving points or templates ({\"limit\"})", h: s.putCountBudget},
		{Method: "GET", Path: "/v1/players/{id}/state", Roles: everyone, Summary: "a player's data, per-rule state and groups", h: s.getPlayerState},
		{Method: "GET", Path: "/v1/bonuses", Roles: everyone, Summary: "the bonuses issued, with their references and statuses (?campaign=C&after=SEQ&limit=N)", h: s.getBonuses},
		{Method: "GET", Path: "/v1/bonuses/{id}", Roles: everyone, Summary: "one bonus with its status events", h: s.getBonus},
		{Method: "POST", Path: "/v1/bonuses/{id}/status", Roles: operator, idem: idemOptional, Summary: "a status event of the bonus, from the casino's bonus system", h: s.postBonusStatus},
		{Method: "POST", Path: "/v1/bonus-events", Roles: operator, idem: idemOptional, Summary: "status events of bonuses, one or an array, in one transaction", h: s.postBonusEvents},
		{Method: "GET", Path: "/v1/bonus-events", Roles: everyone, Summary: "the status events received (?bonus=ID&after=SEQ&limit=N)", h: s.getBonusEvents},
		{Method: "GET", Path: "/v1/bonus-anomalies", Roles: everyone, Summary: "the status events kept as anomalies (?after=SEQ&limit=N)", h: s.getBonusAnomalies},
		{Method: "GET", Path: "/v1/reports/bonuses", Roles: everyone, Summary: "amounts granted and turned real, and counts per status, per campaign and currency (?campaign=C)", h: s.getBonusReport},
		{Method: "POST", Path: "/v1/fasttrack/bonus/credit", Roles: operator, Summary: "credit a bonus at Fast Track's request, keeping its X-Fasttrack-* headers", h: s.postFastTrackCredit},
		{Method: "DELETE", Path: "/v1/players/{id}", Roles: []Role{}, idem: idemOptional, Summary: "erase a player (GDPR): personal data and history removed, aggregates kept", h: s.deletePlayer},
		{Method: "GET", Path: "/v1/rulesets", Roles: everyone, Summary: "the rule set versions deployed, and which is active", h: s.getRuleSets},
		{Method: "POST", Path: "/v1/rulesets", Roles: operator, idem: idemOptional, bodyTypes: []string{tarType},
			Summary: "deploy a rule set: its files are checked and its tests run before it replaces the running one", h: s.postRuleSet},
		{Method: "POST", Path: "/v1/rulesets/rollback", Roles: operator, idem: idemOptional, Summary: "make an earlier version active again ({\"version\"}, or the one before)", h: s.postRollback},
		{Method: "GET", Path: "/v1/events/status/{ref}", Roles: []Role{Viewer, Operator}, Summary: "the status of events accepted with 202, and their outcomes once handled", h: s.getEventsStatus},
		{Method: "GET", Path: "/v1/audit", Roles: []Role{}, Summary: "the audit log of changes made through the API (?after=SEQ&limit=N)", h: s.getAudit},
		{Method: "GET", Path: "/v1/webhooks", Roles: []Role{}, Summary: "the webhooks: each one's durable cursor in the outcome log and its backlog", h: s.getWebhooks},
		{Method: "POST", Path: "/v1/webhooks", Roles: []Role{}, idem: idemOptional, Summary: "add a webhook ({\"url\", \"secret\"}): its secret is sealed, never answered", h: s.postWebhook},
		{Method: "POST", Path: "/v1/webhooks/{id}/pause", Roles: []Role{}, idem: idemOptional, Summary: "pause a webhook's delivery (its cursor kept)", h: s.postWebhookPause},
		{Method: "POST", Path: "/v1/webhooks/{id}/resume", Roles: []Role{}, idem: idemOptional, Summary: "resume a webhook's delivery where it stopped", h: s.postWebhookResume},
		{Method: "DELETE", Path: "/v1/webhooks/{id}", Roles: []Role{}, idem: idemOptional, Summary: "remove a webhook added through the API, with its delivery log", h: s.deleteWebhook},
		{Method: "GET", Path: "/v1/webhooks/{id}/deliveries", Roles: []Role{}, Summary: "the delivery log of a webhook: every try, its status, error and duration (?after=SEQ&limit=N)", h: s.getDeliveries},
		{Method: "GET", Path: trackingLinkRoute, Summary: "a tracking link (?pub=PUBLISHER&sub1=...): opens a session and redirects to the offer's landing page", raw: s.click()},
		{Method: "POST", Path: "/v1/conversions", Roles: operator, idem: idemOptional, Summary: "record a conversion: attributed to the player's last click on the offer within its window, counted once", h: s.postConversion},
		{Method: "GET", Path: "/v1/postback", Summary: "record a conversion from a postback URL (?key=KEY&session=...&kind=...)", h: s.getPostback},
		{Method: "POST", Path: "/v1/offers/confirm", Roles: operator, idem: idemOptional, Summary: "a point of sale's confirmation of an assignment ({\"assignment\", \"code\"}), handled as an offer_confirmed event", h: s.postOfferConfirm},
		{Method: "GET", Path: "/v1/publishers", Roles: everyone, Summary: "the publishers of tracking links", h: s.getPublishers},
		{Method: "GET", Path: "/v1/reports/tracking", Roles: everyone, Summary: "clicks, conversions, rate, payout, revenue and margin per offer, publisher and day (?from=DAY&to=DAY)", h: s.getTrackingReport},
		{Method: "PUT", Path: "/v1/publishers/{ref}", Roles: operator, idem: idemOptional, Summary: "register or rename a publisher ({\"name\"})", h: s.putPublisher},
		{Method: "GET", Path: "/metrics", Roles: everyone, Summary: "Prometheus metrics, in its text format", raw: s.met.handler()},
	}
}

// routes builds the handler: each route under its method and path, a
// JSON 405 for another method on a known path, a JSON 404 elsewhere.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	allowed := map[string][]string{}
	var paths []string
	for _, rt := range s.Routes() {
		mux.Handle(rt.Method+" "+rt.Path, s.endpoint(rt))
		if _, ok := allowed[rt.Path]; !ok {
			paths = append(paths, rt.Path)
		}
		allowed[rt.Path] = append(allowed[rt.Path], rt.Method)
	}
	for _, p := range paths {
		allow := strings.Join(allowed[p], ", ")
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			s.writeError(w, r, errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "%s %s: method not allowed: expected %s", r.Method, p, allow).
				with("allow", allowed[p]))
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errorf(http.StatusNotFound, CodeNotFound, "%s: no such endpoint", r.URL.Path))
	})
	return s.logged(mux)
}

// endpoint wraps a route's handler: authentication and the role, the
// body (its type and size), the Idempotency-Key, and the JSON response.
func (s *Server) endpoint(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := &request{Request: r}
		if rt.Roles != nil {
			who, err := s.authenticate(r)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			q.who = who
			info := infoOf(r.Context())
			info.key = who.id
			if t := info.trace; t != nil {
				t.mark(&t.Auth)
			}
			if !allows(rt.Roles, who.role) {
				s.writeError(w, r, errorf(http.StatusForbidden, CodeForbidden, "%s %s: role %s may not do this: allowed %s",
					rt.Method, rt.Path, who.role, rolesText(rt.Roles)).with("role", who.role).with("allowed", append(append([]Role{}, rt.Roles...), Admin)))
				return
			}
		}
		if bad := badText(r.URL.Path, r.URL.RawQuery); bad != "" {
			s.writeError(w, r, errorf(http.StatusBadRequest, CodeInvalidParameter, "%s", bad))
			return
		}
		if rt.raw != nil {
			rt.raw.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodPost || r.Method == http.MethodPut {
			body, err := s.readBody(w, r, rt.bodyTypes)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			q.body = body
			if t := traceOf(r.Context()); t != nil {
				t.mark(&t.Body)
			}
		}
		if rt.idem != idemNone {
			s.idempotent(w, q, rt)
			return
		}
		status, v, err := rt.h(r.Context(), q)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, status, v)
	})
}

func rolesText(roles []Role) string {
	var s []string
	for _, r := range roles {
		s = append(s, string(r))
	}
	return strings.Join(append(s, string(Admin)), ", ")
}

// readBody reads a request's body whole: JSON, one of types, or empty,
// within MaxBody.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, types []string) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "request body over the limit of %d bytes", s.cfg.MaxBody).
			with("limit", s.cfg.MaxBody)
	}
	if err != nil {
		return nil, errorf(http.StatusBadRequest, CodeInvalidJSON, "reading the request body: %v", err)
	}
	if len(body) == 0 && r.Header.Get("Content-Type") == "" {
		return body, nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !slices.Contains(types, mt)) {
		return nil, errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, "Content-Type %q: expected %s",
			r.Header.Get("Content-Type"), strings.Join(append([]string{"application/json"}, types...), " or "))
	}
	if mt == "application/json" {
		if i := runtime.BadUTF8Offset(body); i >= 0 {
			return nil, errorf(http.StatusBadRequest, CodeInvalidJSON, "bytes that are not UTF-8 at byte %d: JSON is UTF-8 text", i).with("offset", i)
		}
		if i := runtime.NULOffset(body); i >= 0 {
			return nil, errorf(http.StatusBadRequest, CodeInvalidJSON, "a NUL character (\\u0000) in a string at byte %d: no text of the API may hold one", i).
				with("offset", i)
		}
	}
	return body, nil
}

// reqInfo is what the log line of a request says besides the request: the
// key's id (never its secret), filled in by the endpoint.
type reqInfo struct {
	key   string
	trace *tracer // nil unless Config.Trace
	// accepted counts the request's events in the metrics, once it is
	// known not to be a repeat (postEvents); nil: counted.
	accepted func()
}

type infoKey struct{}

func infoOf(ctx context.Context) *reqInfo {
	if i, ok := ctx.Value(infoKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// logged logs one line per request (method, path, status, duration, the
// key's id; never a header's value, a query or a body) and turns a panic
// into a 500.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqInfo{}
		if s.cfg.Trace != nil && r.Method == http.MethodPost && r.URL.Path == "/v1/events" {
			info.trace = &tracer{RequestTrace{Start: start}}
		}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic in a handler", slog.String("path", r.URL.Path), slog.String("panic", fmt.Sprint(p)),
					slog.String("stack", string(debug.Stack())))
				if sw.status == 0 {
					s.writeError(sw, r, errorf(http.StatusInternalServerError, CodeInternal, "the request failed on the server; it is logged"))
				}
			}
			// The mux set the pattern it matched: the route, a path
			// of the 405 answers, or "/" for the 404s.
			_, route, _ := strings.Cut(r.Pattern, " ")
			if route == "" {
				route = r.Pattern
			}
			if route == "" || route == "/" {
				route = "other"
			}
			s.met.request(route, r.Method, sw.status, time.Since(start))
			if t := info.trace; t != nil && t.Key != "" && sw.status/100 == 2 {
				s.cfg.Trace(t.RequestTrace)
			}
			level := slog.LevelInfo
			if sw.status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)), slog.String("key", info.key)}
			if route != trackingLinkRoute && r.URL.Path != "/t" && !strings.HasPrefix(r.URL.Path, "/t/") {
				// The address of an API client; never that of a person
				// following a tracking link, which the tracking keeps
				// only as a keyed hash (spec/semantics.md, Sessions),
				// nor of one following a link under /t/ that is none
				// (/t/casino/ or /t, a publisher's typo: a 404).
				attrs = append(attrs, slog.String("remote", r.RemoteAddr))
			}
			s.log.LogAttrs(r.Context(), level, "request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}
