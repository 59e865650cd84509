-- The webhooks of promoc serve. The outcome log is their outbox: each
-- endpoint keeps a durable cursor in it, delivered_seq, the last outcome
-- delivered with a 2xx, advanced only after one. Its secret is not stored.
CREATE TABLE webhooks (
	id            TEXT PRIMARY KEY,
	url           TEXT NOT NULL,
	delivered_seq INTEGER NOT NULL,
	created_ns    INTEGER NOT NULL
) WITHOUT ROWID;

-- The delivery log: each try to deliver an outcome to a webhook, its HTTP
-- status (0 when none came), its error and how long it took.
CREATE TABLE webhook_attempts (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	webhook     TEXT NOT NULL,
	delivery    TEXT NOT NULL,
	outcome     INTEGER NOT NULL,
	attempt     INTEGER NOT NULL,
	at_ns       INTEGER NOT NULL,
	status      INTEGER NOT NULL,
	error       TEXT NOT NULL,
	duration_ns INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook, seq);
CREATE INDEX webhook_attempts_at ON webhook_attempts (at_ns);
