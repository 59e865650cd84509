-- What the campaign engine keeps besides 0001: the events themselves (for
-- the windows of rules, until pruned), timers, and players by zone.

-- An event's kind, time (Unix nanoseconds, UTC) and body; a NULL body keeps
-- no history (never kept, or pruned): the id and hash stay for
-- deduplication. rec is the order in which events were recorded.
ALTER TABLE events_seen ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE events_seen ADD COLUMN at_ns BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events_seen ADD COLUMN body BYTEA;
ALTER TABLE events_seen ADD COLUMN rec BIGINT GENERATED ALWAYS AS IDENTITY;
-- History (a player's events from a time on) and Prune (bodies before a
-- time) read only events that still have a body.
CREATE INDEX events_history ON events_seen (player, at_ns, rec) WHERE body IS NOT NULL;
CREATE INDEX events_prune ON events_seen (at_ns) WHERE body IS NOT NULL;

-- One pending wake-up per player and rule.
CREATE TABLE timers (
	player TEXT NOT NULL,
	rule   TEXT NOT NULL,
	due_ns BIGINT NOT NULL,
	PRIMARY KEY (player, rule)
);
CREATE INDEX timers_due ON timers (due_ns, player, rule);

CREATE INDEX players_zone ON players (zone, player);
