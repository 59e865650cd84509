-- The point-of-sale confirmation of an assignment: its own code, and when.
-- An unconfirmed assignment has neither ('' and 0).
ALTER TABLE offer_assignments ADD COLUMN confirmation TEXT NOT NULL DEFAULT '';
ALTER TABLE offer_assignments ADD COLUMN confirmed_ns BIGINT NOT NULL DEFAULT 0;
