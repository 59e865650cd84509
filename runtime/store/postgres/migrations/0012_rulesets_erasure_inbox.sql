-- What promoc serve keeps besides 0003 and 0005: the rule sets deployed
-- through its API, the erasures of players, and the inbox of events
-- accepted to be handled later.

-- A rule set version: its files (a JSON object of name to base64 bytes)
-- under its content hash, the rule set's version; uploaded first by whom,
-- when.
CREATE TABLE rule_sets (
	hash        TEXT PRIMARY KEY,
	files       BYTEA NOT NULL,
	uploaded_ns BIGINT NOT NULL,
	uploaded_by TEXT NOT NULL
);

-- Every deployment (upload, rollback, seed from the command line), in
-- order: the active version is the last one's.
CREATE TABLE rule_set_deployments (
	seq    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	hash   TEXT NOT NULL REFERENCES rule_sets (hash),
	at_ns  BIGINT NOT NULL,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL
);

-- An erasure names no one: its pseudonym and what it removed. Its seq
-- tells other processes to drop what they cache of players.
CREATE TABLE erasures (
	seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	pseudonym TEXT NOT NULL,
	at_ns     BIGINT NOT NULL
);

-- Events accepted with 202 and handled later, in seq order; status is
-- pending, done or failed, with the result (the response, or the error)
-- once finished.
CREATE TABLE inbox (
	seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	ref         TEXT NOT NULL UNIQUE,
	actor       TEXT NOT NULL,
	body        BYTEA NOT NULL,
	accepted_ns BIGINT NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
	result      BYTEA,
	finished_ns BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX inbox_pending ON inbox (seq) WHERE status = 'pending';
CREATE INDEX inbox_finished ON inbox (finished_ns) WHERE status <> 'pending';

-- The one lease of the inbox: the process that holds it, until when, is
-- the only one handling the inbox, so that events keep their order.
CREATE TABLE inbox_lease (
	id       BIGINT PRIMARY KEY CHECK (id = 1),
	holder   TEXT NOT NULL,
	until_ns BIGINT NOT NULL
);
INSERT INTO inbox_lease (id, holder, until_ns) VALUES (1, '', 0);
