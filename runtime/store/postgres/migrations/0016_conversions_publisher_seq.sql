-- The publisher's conversions by sequence number: a payout that counts the
-- publisher's conversions keeps them, and reads only those recorded since
-- it last read (runtime/tracking's Prices).
CREATE INDEX conversions_publisher_seq ON conversions (publisher, seq);
