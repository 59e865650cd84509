// Package server is promoc serve: the campaign engine of one rule set on
// one store (runtime/engine, runtime/store) behind a JSON API over HTTP,
// with a scheduler inside.
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
// handler, which answers with a status and a value written as JSON. Every
// error is one JSON shape, [Error]: {"code", "message", "details"}, with
// codes that are API.
//
// API keys are made by [NewKey] (promoc keys create): 32 random bytes,
// shown once; the store keeps their SHA-256 hash only. Logs name a key by
// its id, never by its secret, and never carry a header, a query or a body.
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
// this one: an event id seen again changes nothing.
//
// # Events
//
// The events of one request are checked whole, then handled in one store
// transaction (the engine's batch size is Config.MaxEvents): a request
// refused or failed stores nothing, and a 200 means every outcome is
// stored.
//
// # The audit log
//
// Every change made through the API (suspend, resume, budget, approve,
// reject, recalculate) is recorded in the store's audit log, which the
// database keeps append-only: the key that made it, the action, its target
// and the state before and after. promoc keys records the keys it creates
// and revokes. GET /v1/audit reads it, for admins. A change and its entry
// are written in one transaction (store.Audited), the state before and
// after read in it: a crash leaves both or neither, a change that fails
// records nothing, and an entry that cannot be written undoes its change
// (the request fails with 500).
//
// # Metrics
//
// GET /metrics (any key) serves Prometheus metrics from a registry of the
// server's own: requests and their latency by route, events, outcomes by
// rule, status and reason, the scheduler's rounds, and Go's and the
// process's. Money is not among them: a metric is a float.
//
// # The scheduler
//
// [Server.Serve] runs, besides the listener, a goroutine that calls
// Engine.Advance with Config.Clock every Config.Tick (inactivity,
// scheduled campaigns), and prunes hourly. On shutdown (the context done,
// as on SIGTERM) /readyz answers 503, the listener stops, the requests in
// flight finish (within Config.ShutdownTimeout), then the scheduler's round
// ends.
package server
