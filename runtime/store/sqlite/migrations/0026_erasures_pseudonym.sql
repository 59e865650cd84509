-- The erasures by pseudonym: a point of sale's confirmation of an
-- assignment asks whether its player was erased (count of the erasures of
-- that pseudonym), which read every erasure: 100,000 players erased made
-- each confirmation scan them all.
CREATE INDEX erasures_pseudonym ON erasures (pseudonym);
