-- rule_state's version and data lose NOT NULL, so that the batch's upsert
-- of the states stored before it needs no statement journal. SQLite runs
-- the DO UPDATE of an upsert with ABORT on a NOT NULL column, whatever the
-- INSERT says (the batch's INSERTs are INSERT OR FAIL), and a statement of
-- many rows that may abort copies every page it changes to a statement
-- journal first, to undo itself alone: about 5% of the writer's time in
-- the engine benchmark. The batch never needs that (a failure
-- fails its transaction), and the store writes both columns only from
-- values that are never NULL (sqlcore's nonNil) and reads them into values
-- that refuse a NULL. The key keeps NOT NULL (the INSERT's OR FAIL covers
-- it; the DO UPDATE does not set it). The table is rebuilt, its rows
-- copied, under its own name, as 0003 built it.

CREATE TABLE rule_state_new (
	player  TEXT NOT NULL,
	rule    TEXT NOT NULL,
	version INTEGER,
	data    BLOB,
	PRIMARY KEY (player, rule)
) WITHOUT ROWID;
INSERT INTO rule_state_new (player, rule, version, data) SELECT player, rule, version, data FROM rule_state;
DROP TABLE rule_state;
ALTER TABLE rule_state_new RENAME TO rule_state;
