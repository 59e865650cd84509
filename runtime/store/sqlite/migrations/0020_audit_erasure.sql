-- An erasure rewrites the audit entries that name the erased player (the
-- entries of approvals carry the player's id in the result's key) to its
-- pseudonym, in the erasure's transaction: the one change the append-only
-- log allows, and only while a row of audit_erasing exists, which the
-- erasure inserts and deletes before it commits. An entry's sequence,
-- time, actor and action never change.
CREATE TABLE audit_erasing (one INTEGER PRIMARY KEY CHECK (one = 1));
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_erasing) OR NEW.seq != OLD.seq OR NEW.at_ns != OLD.at_ns OR NEW.actor != OLD.actor OR NEW.action != OLD.action
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
