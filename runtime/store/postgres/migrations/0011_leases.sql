-- Leases of scheduled jobs (store.Leases): one row a job, its holder, a
-- token that moves on with each new holder, and when it expires (0 once
-- released). Taken by a conditional upsert, which locks the row: two
-- processes asking at once get one answer each, in turn.
CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	token      BIGINT NOT NULL,
	expires_ns BIGINT NOT NULL
);
