-- The idempotency keys are read from the outcome log (sqlcore.KeysInLog):
-- a key is taken when an outcome of it is logged, found through
-- outcomes_key (rule, action, player, trigger_hash, seq). Every key of the
-- table has such an outcome (each was taken with its first outcome, in one
-- transaction, and an erasure renamed both), so dropping the table
-- forgets nothing. A batch then writes one b-tree fewer an outcome.
DROP TABLE idempotency_keys;
