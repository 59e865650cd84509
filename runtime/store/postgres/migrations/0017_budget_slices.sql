-- Budget slices (store.Slices): a holder's slice of a budget account,
-- granted by one conditional UPDATE of the account's sliced column. The
-- account's CHECK now counts the slices: posted + reserved + sliced never
-- exceeds the limit; a slice never uses more than it was granted.
ALTER TABLE budget_accounts ADD COLUMN sliced BIGINT NOT NULL DEFAULT 0 CHECK (sliced >= 0);
ALTER TABLE budget_accounts DROP CONSTRAINT budget_accounts_check;
ALTER TABLE budget_accounts ADD CONSTRAINT budget_accounts_within_limit CHECK (posted + reserved + sliced <= limit_units);

CREATE TABLE budget_slices (
	campaign   TEXT NOT NULL,
	currency   TEXT NOT NULL,
	holder     TEXT NOT NULL,
	granted    BIGINT NOT NULL CHECK (granted > 0),
	used       BIGINT NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= granted),
	expires_ns BIGINT NOT NULL,
	PRIMARY KEY (campaign, currency, holder)
);
CREATE INDEX budget_slices_holder ON budget_slices (holder);
CREATE INDEX budget_slices_expires ON budget_slices (expires_ns);
