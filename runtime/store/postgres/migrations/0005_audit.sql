-- The audit log of promoc serve: every change made through its API (or by
-- promoc keys), who made it, when, and the state before and after, as
-- JSON. Rows are only ever added: a trigger refuses an UPDATE or a DELETE.
CREATE TABLE audit_log (
	seq    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at_ns  BIGINT NOT NULL,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	before BYTEA NOT NULL,
	after  BYTEA NOT NULL
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
