-- The text keys of the tables every Apply reads and writes compare as
-- bytes (COLLATE "C"), as SQLite's do: a comparison in the database's
-- collation (any other than C, C.UTF-8 included) goes through strcoll, and
-- it was a tenth of the server's time in Apply's index lookups and
-- inserts. Only the collation changes: the rows stay as they are, and the
-- indexes on these columns are built again. Lists ordered by these columns
-- (players by id) are in byte order, as on SQLite.
ALTER TABLE events_seen ALTER COLUMN player TYPE TEXT COLLATE "C", ALTER COLUMN event_id TYPE TEXT COLLATE "C";
ALTER TABLE rule_state ALTER COLUMN player TYPE TEXT COLLATE "C", ALTER COLUMN rule TYPE TEXT COLLATE "C";
ALTER TABLE players ALTER COLUMN player TYPE TEXT COLLATE "C", ALTER COLUMN zone TYPE TEXT COLLATE "C";
ALTER TABLE timers ALTER COLUMN player TYPE TEXT COLLATE "C", ALTER COLUMN rule TYPE TEXT COLLATE "C";
ALTER TABLE idempotency_keys ALTER COLUMN rule TYPE TEXT COLLATE "C", ALTER COLUMN action TYPE TEXT COLLATE "C",
	ALTER COLUMN player TYPE TEXT COLLATE "C", ALTER COLUMN trigger_hash TYPE TEXT COLLATE "C";
ALTER TABLE outcomes ALTER COLUMN rule TYPE TEXT COLLATE "C", ALTER COLUMN action TYPE TEXT COLLATE "C",
	ALTER COLUMN player TYPE TEXT COLLATE "C", ALTER COLUMN trigger_hash TYPE TEXT COLLATE "C", ALTER COLUMN event TYPE TEXT COLLATE "C";
