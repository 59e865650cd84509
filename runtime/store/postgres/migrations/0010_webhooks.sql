-- The webhooks of promoc serve. The outcome log is their outbox: each
-- endpoint keeps a durable cursor in it, delivered_seq, the last outcome
-- delivered with a 2xx, advanced only after one. Its secret is not stored.
CREATE TABLE webhooks (
	id            TEXT PRIMARY KEY,
	url           TEXT NOT NULL,
	delivered_seq BIGINT NOT NULL,
	created_ns    BIGINT NOT NULL
);

-- The delivery log: each try to deliver an outcome to a webhook, its HTTP
-- status (0 when none came), its error and how long it took.
CREATE TABLE webhook_attempts (
	seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	webhook     TEXT NOT NULL,
	delivery    TEXT NOT NULL,
	outcome     BIGINT NOT NULL,
	attempt     INTEGER NOT NULL,
	at_ns       BIGINT NOT NULL,
	status      INTEGER NOT NULL,
	error       TEXT NOT NULL,
	duration_ns BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook, seq);
CREATE INDEX webhook_attempts_at ON webhook_attempts (at_ns);
