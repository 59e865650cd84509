-- An erasure rewrites the audit entries that name the erased player (the
-- entries of approvals carry the player's id in the result's key) to its
-- pseudonym, in the erasure's transaction: the one change the append-only
-- log allows, and only while a row of audit_erasing exists, which the
-- erasure inserts and deletes before it commits (no other transaction
-- sees it). An entry's sequence, time, actor and action never change.
CREATE TABLE audit_erasing (one INTEGER PRIMARY KEY CHECK (one = 1));
CREATE FUNCTION audit_log_erasure_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM audit_erasing) AND NEW.seq = OLD.seq AND NEW.at_ns = OLD.at_ns AND NEW.actor = OLD.actor AND NEW.action = OLD.action THEN RETURN NEW; END IF; RAISE EXCEPTION 'the audit log is append-only'; END $$;
DROP TRIGGER audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_erasure_only();
