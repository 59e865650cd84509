-- The outbox is the outcome log (sqlcore.OutboxInLog): an outcome logged
-- is in it with no row of its own, where it had an outbox row and an
-- entry in the index of pending rows, two b-tree insertions in every batch
-- with outcomes (about 5% of the pages of a call of three events). What
-- was delivered is a low-water mark, every outcome up to it delivered,
-- and a row for each outcome above it marked delivered. Each outcome is
-- left as it was: pending when it had a pending outbox row, delivered
-- otherwise (every outcome had its row: appendLog wrote it with the
-- outcome). The times of deliveries below the mark are dropped: no one
-- read them.

CREATE TABLE outbox_low (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	low INTEGER NOT NULL
);
INSERT INTO outbox_low (id, low) VALUES (1, COALESCE(
	(SELECT MIN(seq) - 1 FROM outbox WHERE delivered_ns = 0),
	(SELECT MAX(seq) FROM outcomes),
	0));

CREATE TABLE outbox_delivered (
	seq          INTEGER PRIMARY KEY,
	delivered_ns INTEGER NOT NULL
);
INSERT INTO outbox_delivered (seq, delivered_ns)
	SELECT o.seq, COALESCE(NULLIF(b.delivered_ns, 0), 1) FROM outcomes o LEFT JOIN outbox b ON b.seq = o.seq
	WHERE o.seq > (SELECT low FROM outbox_low) AND (b.seq IS NULL OR b.delivered_ns <> 0);

DROP INDEX outbox_pending;
DROP TABLE outbox;
