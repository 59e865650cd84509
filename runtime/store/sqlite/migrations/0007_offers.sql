-- Offers, their voucher codes and their assignments to players. A code is
-- unique per offer; an assignment takes a code (or none, for an offer
-- that requires none), and the unique (offer, code) of assignments is the
-- last guard against a code given twice.
CREATE TABLE offers (
	ref               TEXT PRIMARY KEY,
	name              TEXT NOT NULL,
	description       TEXT NOT NULL,
	requires_vouchers INTEGER NOT NULL,
	needs_sync        INTEGER NOT NULL,
	image_url         TEXT NOT NULL,
	web_page          TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE vouchers (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	offer       TEXT NOT NULL REFERENCES offers (ref),
	code        TEXT NOT NULL,
	imported_ns INTEGER NOT NULL,
	assignment  TEXT,
	UNIQUE (offer, code)
);
CREATE INDEX vouchers_free ON vouchers (offer, seq) WHERE assignment IS NULL;
CREATE TABLE offer_assignments (
	ref          TEXT PRIMARY KEY,
	offer        TEXT NOT NULL REFERENCES offers (ref),
	player       TEXT NOT NULL,
	code         TEXT,
	synchronized INTEGER NOT NULL,
	at_ns        INTEGER NOT NULL,
	UNIQUE (offer, code)
) WITHOUT ROWID;
CREATE INDEX offer_assignments_at ON offer_assignments (offer, at_ns, ref);
