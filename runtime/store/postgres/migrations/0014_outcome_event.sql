-- The id of the event whose change logged an outcome ('' for one logged
-- otherwise: a timer, a schedule, an approval), so that a request answered
-- again lists the outcomes its events stored (store.EventOutcomes). Rows
-- logged before this migration have ''.
ALTER TABLE outcomes ADD COLUMN event TEXT NOT NULL DEFAULT '';
CREATE INDEX outcomes_event ON outcomes (player, event) WHERE event <> '';
