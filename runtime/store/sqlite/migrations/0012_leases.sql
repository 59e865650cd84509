-- Leases of scheduled jobs (store.Leases): one row a job, its holder, a
-- token that moves on with each new holder, and when it expires (0 once
-- released). Taken by a conditional upsert.
CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	token      INTEGER NOT NULL,
	expires_ns INTEGER NOT NULL
) WITHOUT ROWID;
