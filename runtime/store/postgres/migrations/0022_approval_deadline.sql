-- Approval deadlines: the instant each result waiting for approval times
-- out (approval manual within D: its first calculation + D), 0 when it
-- does not, so that the store itself refuses to approve or reject it from
-- then on, whoever asks (promoc approvals works without the rules). A
-- result queued before this migration has 0: the engine's Advance still
-- rejects it when its timeout comes.
ALTER TABLE approvals ADD COLUMN expires_ns BIGINT NOT NULL DEFAULT 0;
