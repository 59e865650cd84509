-- The tables looked up only by their primary key become WITHOUT ROWID: a
-- lookup or a write is one b-tree, not a rowid table and the index of its
-- key. Each is rebuilt, its rows copied, under its own name.

CREATE TABLE rule_state_new (
	player  TEXT NOT NULL,
	rule    TEXT NOT NULL,
	version INTEGER NOT NULL,
	data    BLOB NOT NULL,
	PRIMARY KEY (player, rule)
) WITHOUT ROWID;
INSERT INTO rule_state_new (player, rule, version, data) SELECT player, rule, version, data FROM rule_state;
DROP TABLE rule_state;
ALTER TABLE rule_state_new RENAME TO rule_state;

CREATE TABLE idempotency_keys_new (
	rule         TEXT NOT NULL,
	action       TEXT NOT NULL,
	player       TEXT NOT NULL,
	trigger_hash TEXT NOT NULL,
	PRIMARY KEY (rule, action, player, trigger_hash)
) WITHOUT ROWID;
INSERT INTO idempotency_keys_new (rule, action, player, trigger_hash) SELECT rule, action, player, trigger_hash FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_new RENAME TO idempotency_keys;

CREATE TABLE timers_new (
	player TEXT NOT NULL,
	rule   TEXT NOT NULL,
	due_ns INTEGER NOT NULL,
	PRIMARY KEY (player, rule)
) WITHOUT ROWID;
INSERT INTO timers_new (player, rule, due_ns) SELECT player, rule, due_ns FROM timers;
DROP TABLE timers;
ALTER TABLE timers_new RENAME TO timers;
CREATE INDEX timers_due ON timers (due_ns, player, rule);

CREATE TABLE players_new (
	player TEXT PRIMARY KEY,
	zone   TEXT NOT NULL,
	props  BLOB NOT NULL
) WITHOUT ROWID;
INSERT INTO players_new (player, zone, props) SELECT player, zone, props FROM players;
DROP TABLE players;
ALTER TABLE players_new RENAME TO players;
CREATE INDEX players_zone ON players (zone, player);
