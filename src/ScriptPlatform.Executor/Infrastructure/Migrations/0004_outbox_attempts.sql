-- An event whose publish keeps failing while others go out (say a value the message serializer refuses) must not
-- block the outbox: each failure is counted, and after OutboxDispatcher.MaxAttempts the row is parked (left in the
-- table, skipped, its last error kept for an operator).
ALTER TABLE event_outbox
    ADD COLUMN attempts   int  NOT NULL DEFAULT 0,
    ADD COLUMN last_error text;
