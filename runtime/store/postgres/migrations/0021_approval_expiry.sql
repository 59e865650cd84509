-- Approval timeouts (approval manual within 7 days): the approval queue
-- by the time each result was first calculated, per rule and reward, so
-- that the engine finds the results whose timeout is due without reading
-- the whole queue. A result queued before this migration takes the time
-- of its first waiting outcome.
ALTER TABLE approvals ADD COLUMN calculated_ns BIGINT NOT NULL DEFAULT 0;
UPDATE approvals SET calculated_ns = COALESCE((SELECT MIN(o.at_ns) FROM outcomes o
	WHERE o.rule = approvals.rule AND o.action = approvals.action AND o.player = approvals.player
	AND o.trigger_hash = approvals.trigger_hash AND o.status = 'waiting'), 0);
CREATE INDEX approvals_calculated ON approvals (rule, action, calculated_ns);
