-- Budget slices (store.Slices): a holder's slice of a budget account,
-- granted by one conditional UPDATE of the account's sliced column. The
-- account is rebuilt so that its CHECK counts the slices: posted +
-- reserved + sliced never exceeds the limit; a slice never uses more than
-- it was granted.
CREATE TABLE budget_accounts_new (
	campaign    TEXT NOT NULL,
	currency    TEXT NOT NULL,
	limit_units INTEGER NOT NULL CHECK (limit_units >= 0),
	posted      INTEGER NOT NULL DEFAULT 0 CHECK (posted >= 0),
	reserved    INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
	sliced      INTEGER NOT NULL DEFAULT 0 CHECK (sliced >= 0),
	PRIMARY KEY (campaign, currency),
	CHECK (posted + reserved + sliced <= limit_units)
);
INSERT INTO budget_accounts_new (campaign, currency, limit_units, posted, reserved)
	SELECT campaign, currency, limit_units, posted, reserved FROM budget_accounts;
DROP TABLE budget_accounts;
ALTER TABLE budget_accounts_new RENAME TO budget_accounts;

CREATE TABLE budget_slices (
	campaign   TEXT NOT NULL,
	currency   TEXT NOT NULL,
	holder     TEXT NOT NULL,
	granted    INTEGER NOT NULL CHECK (granted > 0),
	used       INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= granted),
	expires_ns INTEGER NOT NULL,
	PRIMARY KEY (campaign, currency, holder)
) WITHOUT ROWID;
CREATE INDEX budget_slices_holder ON budget_slices (holder);
CREATE INDEX budget_slices_expires ON budget_slices (expires_ns);
