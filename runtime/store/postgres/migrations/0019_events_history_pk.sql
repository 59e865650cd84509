-- History reads a player's events through the primary key (player,
-- event_id): the player's range of it, filtered by time and by body, and
-- sorted. The index events_history (player, at_ns, rec) served only that
-- read, and cost every event one more index entry to write (and its WAL).
-- The read now visits every event of the player kept, pruned ones too:
-- History is read when a player is not in the engine's cache, much less
-- often than events are written.
DROP INDEX events_history;
