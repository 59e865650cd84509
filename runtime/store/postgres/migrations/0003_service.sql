-- What promoc serve keeps: the keys of its API and the requests sent with
-- an Idempotency-Key.

-- An API key is stored as the SHA-256 hash of its secret, never the secret;
-- id names it in lists and logs. revoked_ns is 0 while the key is valid.
CREATE TABLE api_keys (
	hash       BYTEA PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	role       TEXT NOT NULL,
	name       TEXT NOT NULL,
	created_ns BIGINT NOT NULL,
	revoked_ns BIGINT NOT NULL DEFAULT 0
);

-- A request sent with an Idempotency-Key, per scope (the API key and the
-- endpoint): the hash of what was sent and, once done, the response given,
-- so that a repeat gets the first response. status is 0 while running.
CREATE TABLE requests (
	scope       TEXT NOT NULL,
	idem_key    TEXT NOT NULL,
	fingerprint BYTEA NOT NULL,
	started_ns  BIGINT NOT NULL,
	status      INTEGER NOT NULL DEFAULT 0,
	response    BYTEA,
	PRIMARY KEY (scope, idem_key)
);
CREATE INDEX requests_started ON requests (started_ns);
