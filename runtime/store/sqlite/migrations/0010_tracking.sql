-- Affiliate tracking: publishers, the sessions that clicks on tracking
-- links open, and the conversions attributed to them. A session keeps a
-- keyed hash of the client's address, never the address; player is the
-- player the session is tied to, NULL before and after erasure.
CREATE TABLE publishers (
	ref        TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	created_ns INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE sessions (
	id        TEXT PRIMARY KEY,
	offer     TEXT NOT NULL REFERENCES offers (ref),
	publisher TEXT NOT NULL REFERENCES publishers (ref),
	sub1      TEXT NOT NULL,
	sub2      TEXT NOT NULL,
	sub3      TEXT NOT NULL,
	sub4      TEXT NOT NULL,
	sub5      TEXT NOT NULL,
	region    TEXT NOT NULL,
	device    TEXT NOT NULL,
	browser   TEXT NOT NULL,
	ip_hash   BLOB,
	at_ns     INTEGER NOT NULL,
	player    TEXT
) WITHOUT ROWID;
CREATE INDEX sessions_player ON sessions (player, offer, at_ns) WHERE player IS NOT NULL;
CREATE INDEX sessions_at ON sessions (at_ns);
-- A conversion is unique per attributed session, kind and advertiser
-- reference, and per what the report named (claim: the session, or the
-- player), offer, kind and advertiser reference: a repeat is counted once.
-- Amounts are decimal text, exactly as given or computed.
CREATE TABLE conversions (
	seq              INTEGER PRIMARY KEY AUTOINCREMENT,
	session          TEXT NOT NULL REFERENCES sessions (id),
	claim            TEXT NOT NULL,
	offer            TEXT NOT NULL,
	publisher        TEXT NOT NULL,
	player           TEXT,
	kind             TEXT NOT NULL,
	amount           TEXT NOT NULL,
	currency         TEXT NOT NULL,
	advertiser_ref   TEXT NOT NULL,
	at_ns            INTEGER NOT NULL,
	click_ns         INTEGER NOT NULL,
	payout           TEXT NOT NULL,
	payout_currency  TEXT NOT NULL,
	revenue          TEXT NOT NULL,
	revenue_currency TEXT NOT NULL,
	UNIQUE (session, kind, advertiser_ref),
	UNIQUE (claim, offer, kind, advertiser_ref)
);
CREATE INDEX conversions_publisher ON conversions (publisher, at_ns);
CREATE INDEX conversions_at ON conversions (at_ns);
CREATE INDEX conversions_player ON conversions (player) WHERE player IS NOT NULL;
