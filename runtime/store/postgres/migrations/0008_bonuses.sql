-- The lifecycle of issued bonuses. A bonus is granted once per (source,
-- activity, action, player, trigger hash), then gets one terminal status:
-- the conditional UPDATE from 'Created' is what applies it at most once.
-- Amounts are kept as given (amount, real_amount) and as integers of
-- 10^-8 (units, real_units) for exact sums.
CREATE TABLE bonuses (
	seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id           TEXT NOT NULL UNIQUE,
	source       TEXT NOT NULL,
	campaign     TEXT NOT NULL,
	activity     TEXT NOT NULL,
	action_group TEXT NOT NULL,
	action       TEXT NOT NULL,
	trigger_hash TEXT NOT NULL,
	ref_id       TEXT NOT NULL,
	comm_profile TEXT NOT NULL,
	player       TEXT NOT NULL,
	code         TEXT NOT NULL,
	amount       TEXT NOT NULL,
	units        BIGINT NOT NULL,
	currency     TEXT NOT NULL,
	granted_ns   BIGINT NOT NULL,
	status       TEXT NOT NULL,
	status_ns    BIGINT NOT NULL,
	real_amount  TEXT NOT NULL,
	real_units   BIGINT NOT NULL,
	external     BYTEA,
	UNIQUE (source, activity, action, player, trigger_hash)
);
CREATE INDEX bonuses_refs ON bonuses (activity, action, player, trigger_hash);
CREATE INDEX bonuses_campaign ON bonuses (campaign, seq);
-- Every status event whose id is taken: applied, or kept with the kind of
-- anomaly it was (result). An event of an unknown bonus is not here, so
-- that a delivery after its bonus is granted applies it.
CREATE TABLE bonus_events (
	seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	event_id    TEXT NOT NULL UNIQUE,
	hash        BYTEA NOT NULL,
	bonus       TEXT NOT NULL,
	status      TEXT NOT NULL,
	amount      TEXT NOT NULL,
	currency    TEXT NOT NULL,
	at_ns       BIGINT NOT NULL,
	received_ns BIGINT NOT NULL,
	result      TEXT NOT NULL
);
CREATE INDEX bonus_events_bonus ON bonus_events (bonus, seq);
-- Status events not applied, kept and reported; one row per event id,
-- kind and content.
CREATE TABLE bonus_anomalies (
	seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	event_id    TEXT NOT NULL,
	kind        TEXT NOT NULL,
	hash        BYTEA NOT NULL,
	bonus       TEXT NOT NULL,
	detail      TEXT NOT NULL,
	body        BYTEA NOT NULL,
	received_ns BIGINT NOT NULL,
	resolved_ns BIGINT NOT NULL DEFAULT 0,
	UNIQUE (event_id, kind, hash)
);
-- How far grants were read from the outcome log.
CREATE TABLE bonus_cursor (
	name TEXT PRIMARY KEY,
	seq  BIGINT NOT NULL
);
