// Package server is promoc serve: the campaign engine of one rule set on
// one store (runtime/engine, runtime/store) behind a JSON API over HTTP,
// with a scheduler inside, rule sets deployed through the API, erasure of
// players, and an inbox of events answered 202.
//
// # Requests
//
// Every endpoint is a [Route]: a method and a path under /v1, the roles
// that may call it, and whether it takes an Idempotency-Key. The OpenAPI
// 3.1 document of the API (openapi.json, with the result document of
// spec/schema put in at run time) is served at /v1/openapi.json; the tests
// validate every response they get against it. A request
// goes through, in order: the key (Authorization: Bearer KEY; 401 when
// missing, unknown or revoked), the role (403), the body (application/json,
// at most Config.MaxBody bytes; 415, 413), the Idempotency-Key, then the
// handler, which answers with a status and a value written as JSON (or,
// for GET /v1/reports/tracking?format=table|csv|svg|png or the matching
// Accept, the CLI's text, CSV or chart as they are, with their media
// type; a chart is drawn one at a time and the last ones are kept for the
// same report, tracking_chart.go). Every
// error is one JSON shape, [Error]: {"code", "message", "details"}, with
// codes that are API.
//
// API keys are made by [NewKey] (promoc keys create): 32 random bytes,
// shown once; the store keeps their SHA-256 hash only. Logs name a key by
// its id, never by its secret, and never carry a header, a query or a body.
// [LogWriter] writes a log's lines from a goroutine of its own (promoc
// serve's request log), so that a request pays no system call for its line.
// A key found valid is kept in memory for Config.KeyCache (5 s by
// default): a revocation, made by any process, takes effect within it.
//
// # Idempotency
//
// POST /v1/events needs an Idempotency-Key (the IETF draft "The
// Idempotency-Key HTTP Header Field"); the other changes take one when
// sent. The key is recorded in the store, per API key and endpoint, with a
// hash of the request, before the work starts: a repeat gets the first
// response again, a repeat while the first runs is 409, the key with
// another request is 422. A request that fails (refused, or an error)
// forgets its key: it stored nothing, and may be sent again. Keys are kept
// Config.KeepRequests; one left running by a process that died is taken
// over after Config.StaleRequest. The engine keeps its own guarantee below
// this one: an event id seen again changes nothing, and the response of
// POST /v1/events lists, for an event handled before (a retry after a
// process died between storing the events and recording the response),
// the outcomes the log holds for it (replay.go). The keys of requests
// that start or finish at once are recorded in one transaction
// (keybatcher.go, on a store that implements store.RequestBatches), each
// request getting what it would have got alone. There a success is
// answered while its key's end is recorded: the end is queued before the
// answer is sent, so a retry sent after the answer is recorded after it
// and gets the response kept. POST /v1/events records its key's end in
// the transaction of its events instead (on a store that implements
// store.RequestEnds): done before the answer, with no transaction of its
// own, and without the response: a repeat is answered from the outcomes
// its events stored, as the first answer listed them. Nor is its start
// written on its own (store.RequestEnd.Unstarted): the transaction of its
// events records the key started and done at once, and fails, storing
// nothing, when the key is there already (a repeat, the key reused,
// another process's request meanwhile); the request is then started as
// other routes' are, and answered as the repeat it is (a repeat while
// the first runs in this process is found in memory: 409). A request of
// events so waits once for the store's one writer, not twice.
//
// # Events
//
// The events of one request are checked whole, then handled in one store
// transaction (the engine's batch size is Config.MaxEvents): a request
// refused or failed stores nothing, and a 200 means every outcome is
// stored. Requests that come while the engine decides others are grouped
// into one call and one transaction (group commit, batcher.go): at most
// Config.MaxEvents events, no player in two requests of a group nor in a
// group in flight, and each request answered as it would have been alone
// (its outcomes, or its own refusal). A group is submitted to the engine
// (Engine.SubmitSeen), so the next group is decided while the store
// writes it; a request is answered once its group is written.
//
// With Prefer: respond-async (or Config.Async), the events are checked as
// JSON, stored in the store's inbox (store.Inbox) in one transaction and
// answered 202 with where to read their status (async.go). A worker
// handles the inbox in the order accepted, each entry as a request
// handled at once; with several processes, the one holding the inbox's
// lease. Nothing acknowledged is lost: the inbox is in the database.
//
// # Bonuses
//
// The bonus lifecycle (runtime/bonus, store.Bonuses) is served beside the
// engine: every request on bonuses first takes the bonuses issued since
// the last one from the outcome log. Status events of the casino's bonus
// system (POST /v1/bonuses/{id}/status, POST /v1/bonus-events) are
// applied in one transaction per request: applied, a duplicate, or kept
// as an anomaly (GET /v1/bonus-anomalies); an event that is not valid
// fails the request whole (422 invalid-bonus-event, naming the field).
// POST /v1/fasttrack/bonus/credit stands where an operator's platform
// stands for Fast Track: it grants a bonus once per activity, action,
// user and trigger hash, keeping the request's X-Fasttrack-* headers
// exactly as received, and returns them as fasttrack_references with the
// bonus and every status event of it (fasttrack.go). Status events and
// credits are data, like events: they are not in the audit log.
//
// # Rule sets
//
// The server runs one rule set at a time: its program and the engine made
// for it, read once by each request, so that a deployment swaps them
// atomically (rulesets.go). POST /v1/rulesets takes a rule set's files,
// checks them and runs their tests ([CheckRuleSet]) before anything
// changes; the version is stored (store.RuleSets) and made active, and
// rolled back the same way. At a start the store's active version wins
// over Config.Program when it was deployed through the API. Every
// Config.Poll the server reads the store's active deployment and last
// erasure, and makes a new engine when another process changed either.
//
// # Erasure
//
// DELETE /v1/players/{id} ([Erase]) removes a player's data and history
// in one transaction and keeps the aggregates under a [Pseudonym]; the
// kept outcomes are scrubbed ([ScrubOutcome]); then a new engine replaces
// the one that cached the player. spec/semantics.md says what is kept.
//
// # Kafka
//
// With Config.Kafka the server also consumes events from a Kafka topic
// (kafka.go, franz-go): one event a record, keyed by its player's id, so
// that one partition, and so one consumer of the group, holds all of a
// player's events in order. The records of a poll go through the engine as
// one Handle (their order kept), and their offsets are committed only once
// the outcomes are stored, before the next poll; no rebalance comes between
// the two (BlockRebalanceOnPoll). Delivery is at least once: a record
// handled but not committed (a crash, a refused commit) comes again, and
// the engine, which knows its event id, gives nothing twice (the record
// counted as a duplicate, Engine.HandleSeen). A batch the
// store could not take is tried again, with backoff, before anything after
// it. A record that is not a valid event, whose key is not its player, or
// that the engine refuses (an unknown kind, beyond the lateness bound) is
// logged, counted (promoc_kafka_records_total) and copied to the
// dead-letter topic if there is one, and the partition goes on.
//
// # The audit log
//
// Every change made through the API (suspend, resume, budget, approve,
// reject, recalculate, a rule set deployed or rolled back, an erasure)
// is recorded in the store's audit log, which the
// database keeps append-only: the key that made it, the action, its target
// and the state before and after. promoc keys records the keys it creates
// and revokes. GET /v1/audit reads it, for admins. A change and its entry
// are written in one transaction (store.Audited), the state before and
// after read in it: a crash leaves both or neither, a change that fails
// records nothing, and an entry that cannot be written undoes its change
// (the request fails with 500).
//
// # Webhooks
//
// With Config.Webhooks, [Server.Serve] posts every outcome to each URL, one
// outcome a request, signed (Promoc-Signature: t=UNIX,v1=HEX, the
// HMAC-SHA256 of the secret over the time, a dot and the body; see
// [SignWebhook], [VerifyWebhook]) and named (Promoc-Delivery, the same in
// every try of one outcome to one webhook).
//
// The outbox is the outcome log itself, read through a durable cursor per
// webhook (store.Webhooks), not rows of an outbox table written for each
// delivery. An outcome is appended to the log in the transaction of Apply
// that decides it, with a sequence number in commit order and no gaps (the
// log's lock), so the log already is an outbox written in the same
// transaction as the outcome; a cursor costs Apply nothing (no row per
// outcome and webhook on the hot path, and Apply need not know the
// webhooks), serves any number of webhooks, and is what GET /v1/outcomes
// reads too. The cursor is the last outcome delivered with a 2xx, stored
// only after one: delivery is at least once, in log order (an outcome is
// tried until a 2xx before the next), and resumes at the cursor after a
// restart. A failed try waits RetryMin, doubling up to RetryMax, less a
// random part of up to half (jitter).
//
// The cursor and the delivery log (each try: status, error, duration) are
// written together, every 250 ms or 256 tries and before every wait after a
// failure, not once a delivery: a crash may lose the last fraction of a
// second of successful tries from the log, and their outcomes are delivered
// again (at least once). A new webhook starts at the end of the log. Of
// several processes on one database, the one that holds the webhook's lease
// (store.Leases, "webhook/ID", renewed every third of Config.LeaseTTL, also
// during the waits between tries) delivers to it; another takes it over from
// the stored cursor when the holder stops (it releases the lease) or dies
// (the lease expires).
// GET /v1/webhooks and GET /v1/webhooks/{id}/deliveries show the cursors
// and the log, for admins; the gauge promoc_webhook_backlog is what each
// webhook has left. Admins add webhooks with secrets of their own, pause,
// resume and remove them through the API (webhookadmin.go): the secrets
// are stored sealed under a key derived from Config.Webhooks.Secret, never
// answered nor logged, and every server reads the webhooks every Poll to
// start and stop its deliveries. The delivery log keeps a try
// Config.Webhooks.Keep, pruned hourly in bounded transactions.
//
// # Metrics
//
// GET /metrics (any key) serves Prometheus metrics from a registry of the
// server's own: requests and their latency by route, events by kind,
// outcomes by rule, status and reason, the scheduler's rounds, and Go's and
// the process's. Each campaign's budget left and limit, by currency, are
// read from the store at each scrape (budgetmetrics.go; at most 1,000
// campaigns): a metric is a float, an approximation for dashboards and
// alerts, and the exact amounts are those of GET /v1/campaigns.
//
// # The scheduler
//
// [Server.Serve] runs, besides the listener, a goroutine that calls
// Engine.Advance with Config.Clock every Config.Tick (inactivity,
// scheduled campaigns), and prunes hourly. On shutdown (the context done,
// as on SIGTERM) /readyz answers 503, the listener stops, the requests in
// flight finish (within Config.ShutdownTimeout), then the scheduler's round
// ends.
//
// Several servers may share one database (PostgreSQL): each job of the
// scheduler, a scheduled firing of a rule in a zone or the inactivity
// timers due, runs under a lease in the store (store.Leases, lease.go),
// taken by a conditional update, renewed every third of Config.LeaseTTL
// while the job runs and released at its end; a server that finds a job's
// lease held leaves the job. A server that dies mid-job stops renewing;
// when its lease expires another takes it and the engine resumes the run
// (its players already done are skipped; the outcome log's unique keys
// would refuse a second outcome anyway). A job whose lease is lost (taken
// by another after this server stalled) is cancelled. Leases run on the
// wall clock: the servers' clocks must agree within a small part of
// LeaseTTL. On SQLite the same code runs, and one process holds every
// lease.
package server
