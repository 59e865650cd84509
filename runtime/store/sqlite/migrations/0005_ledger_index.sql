-- The unique index that lets a reservation be resolved once holds only the
-- entries that resolve one: post entries of rewards issued at once (most
-- of the ledger) point at nothing and no longer cost an index entry each.
DROP INDEX ledger_entries_resolved;
CREATE UNIQUE INDEX ledger_entries_resolved ON ledger_entries (pending_id) WHERE pending_id IS NOT NULL;
