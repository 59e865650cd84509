-- The first schema of promoc's state. Amounts of budgets are integers of
-- 10^-8 (store.Scale); times are Unix nanoseconds, UTC; 0 means none.

CREATE TABLE campaigns (
	campaign TEXT PRIMARY KEY,
	status   TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
	reason   TEXT NOT NULL,
	since_ns INTEGER NOT NULL
);

-- A budget is a ledger account with a limit; posted and reserved are the
-- sums of its entries, kept on the row so that one conditional UPDATE
-- decides whether an amount fits.
CREATE TABLE budget_accounts (
	campaign    TEXT NOT NULL,
	currency    TEXT NOT NULL,
	limit_units INTEGER NOT NULL CHECK (limit_units >= 0),
	posted      INTEGER NOT NULL DEFAULT 0 CHECK (posted >= 0),
	reserved    INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
	PRIMARY KEY (campaign, currency),
	CHECK (posted + reserved <= limit_units)
);

-- Entries are never changed: a reservation is resolved by one post or void
-- entry pointing at it.
CREATE TABLE ledger_entries (
	id           INTEGER PRIMARY KEY,
	campaign     TEXT NOT NULL,
	currency     TEXT NOT NULL,
	kind         TEXT NOT NULL CHECK (kind IN ('reserve', 'post', 'void')),
	units        INTEGER NOT NULL CHECK (units > 0),
	rule         TEXT NOT NULL,
	action       TEXT NOT NULL,
	player       TEXT NOT NULL,
	trigger_hash TEXT NOT NULL,
	at_ns        INTEGER NOT NULL,
	pending_id   INTEGER REFERENCES ledger_entries (id)
);
CREATE UNIQUE INDEX ledger_entries_resolved ON ledger_entries (pending_id);

CREATE TABLE idempotency_keys (
	rule         TEXT NOT NULL,
	action       TEXT NOT NULL,
	player       TEXT NOT NULL,
	trigger_hash TEXT NOT NULL,
	PRIMARY KEY (rule, action, player, trigger_hash)
);

CREATE TABLE outcomes (
	seq          INTEGER PRIMARY KEY, -- given by the writer under the log lock: commit order
	rule         TEXT NOT NULL,
	action       TEXT NOT NULL,
	player       TEXT NOT NULL,
	trigger_hash TEXT NOT NULL,
	campaign     TEXT NOT NULL,
	status       TEXT NOT NULL CHECK (status IN ('skipped', 'waiting', 'issued', 'rejected')),
	reason       TEXT NOT NULL,
	amount       TEXT NOT NULL,
	currency     TEXT NOT NULL,
	body         BLOB NOT NULL,
	at_ns        INTEGER NOT NULL
);
CREATE INDEX outcomes_key ON outcomes (rule, action, player, trigger_hash, seq);

CREATE TABLE outbox (
	seq          INTEGER PRIMARY KEY REFERENCES outcomes (seq),
	delivered_ns INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE delivered_ns = 0;

CREATE TABLE approvals (
	rule         TEXT NOT NULL,
	action       TEXT NOT NULL,
	player       TEXT NOT NULL,
	trigger_hash TEXT NOT NULL,
	campaign     TEXT NOT NULL,
	currency     TEXT NOT NULL,
	units        INTEGER NOT NULL,
	reservation  INTEGER NOT NULL,
	PRIMARY KEY (rule, action, player, trigger_hash)
);

CREATE TABLE events_seen (
	player   TEXT NOT NULL,
	event_id TEXT NOT NULL,
	hash     BLOB NOT NULL,
	PRIMARY KEY (player, event_id)
);

CREATE TABLE rule_state (
	player  TEXT NOT NULL,
	rule    TEXT NOT NULL,
	version INTEGER NOT NULL,
	data    BLOB NOT NULL,
	PRIMARY KEY (player, rule)
);

CREATE TABLE players (
	player TEXT PRIMARY KEY,
	zone   TEXT NOT NULL,
	props  BLOB NOT NULL
);

CREATE TABLE schedule_runs (
	campaign     TEXT NOT NULL,
	zone         TEXT NOT NULL,
	local_date   TEXT NOT NULL,
	trigger_hash TEXT NOT NULL,
	started_ns   INTEGER NOT NULL,
	finished_ns  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (campaign, zone, local_date)
);
