-- The audit log of promoc serve: every change made through its API (or by
-- promoc keys), who made it, when, and the state before and after, as
-- JSON. Rows are only ever added: triggers refuse an UPDATE or a DELETE.
CREATE TABLE audit_log (
	seq    INTEGER PRIMARY KEY AUTOINCREMENT,
	at_ns  INTEGER NOT NULL,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	before BLOB NOT NULL,
	after  BLOB NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
