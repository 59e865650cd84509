-- The idempotency key of an assignment made by the campaign engine's give
-- offer action (rule/action/player/trigger hash): at most one assignment a
-- key. NULL for the assignments of promoc offers assign, which have none.
ALTER TABLE offer_assignments ADD COLUMN give_key TEXT;
CREATE UNIQUE INDEX offer_assignments_give_key ON offer_assignments (give_key);
