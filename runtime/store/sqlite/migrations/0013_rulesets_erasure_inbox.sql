-- What promoc serve keeps besides 0004 and 0006: the rule sets deployed
-- through its API, the erasures of players, and the inbox of events
-- accepted to be handled later.

-- A rule set version: its files (a JSON object of name to base64 bytes)
-- under its content hash, the rule set's version; uploaded first by whom,
-- when.
CREATE TABLE rule_sets (
	hash        TEXT PRIMARY KEY,
	files       BLOB NOT NULL,
	uploaded_ns INTEGER NOT NULL,
	uploaded_by TEXT NOT NULL
) WITHOUT ROWID;

-- Every deployment (upload, rollback, seed from the command line), in
-- order: the active version is the last one's.
CREATE TABLE rule_set_deployments (
	seq    INTEGER PRIMARY KEY AUTOINCREMENT,
	hash   TEXT NOT NULL REFERENCES rule_sets (hash),
	at_ns  INTEGER NOT NULL,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL
);

-- An erasure names no one: its pseudonym and what it removed. Its seq
-- tells other processes to drop what they cache of players.
CREATE TABLE erasures (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	pseudonym TEXT NOT NULL,
	at_ns     INTEGER NOT NULL
);

-- Events accepted with 202 and handled later, in seq order; status is
-- pending, done or failed, with the result (the response, or the error)
-- once finished.
CREATE TABLE inbox (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	ref         TEXT NOT NULL UNIQUE,
	actor       TEXT NOT NULL,
	body        BLOB NOT NULL,
	accepted_ns INTEGER NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
	result      BLOB,
	finished_ns INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inbox_pending ON inbox (seq) WHERE status = 'pending';
CREATE INDEX inbox_finished ON inbox (finished_ns) WHERE status <> 'pending';

-- The one lease of the inbox: the process that holds it, until when, is
-- the only one handling the inbox, so that events keep their order.
CREATE TABLE inbox_lease (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	holder   TEXT NOT NULL,
	until_ns INTEGER NOT NULL
);
INSERT INTO inbox_lease (id, holder, until_ns) VALUES (1, '', 0);
