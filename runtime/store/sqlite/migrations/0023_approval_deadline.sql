-- Approval deadlines: the instant each result waiting for approval times
-- out (approval manual within D: its first calculation + D), 0 when it
-- does not, so that the store itself refuses to approve or reject it from
-- then on, whoever asks (promoc approvals works without the rules). A
-- result queued before this migration has 0: the engine's Advance still
-- rejects it when its timeout comes.
ALTER TABLE approvals ADD COLUMN expires_ns INTEGER NOT NULL DEFAULT 0;
-- The results past their deadline, earliest first, for the engine to
-- reject (also those whose rules no longer time out, or later: the store
-- refuses to decide them, so they must not wait forever).
CREATE INDEX approvals_expires ON approvals (expires_ns) WHERE expires_ns > 0;
