-- Transactional outbox: the events of recorded outcomes (ScriptRunCompleted, BatchCompleted). The statement that
-- records an outcome inserts its event too, so neither is committed without the other; OutboxDispatcher publishes
-- the rows and deletes them once the broker has confirmed them. An outcome is thus announced at least once, even
-- when the broker fails or the process dies right after the commit.
CREATE TABLE event_outbox (
    id         bigserial PRIMARY KEY,
    -- 'run_completed': payload is the run's fields as recorded (JSON);
    -- 'batch_completed': payload is {"batch_id": ...}, the counts are read when it is published
    kind       text NOT NULL,
    payload    text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
