-- The execution log and batches, owned by the Executor. Statuses and kill reasons are the proto enum numbers
-- (scriptplatform.common.v1.ExecutionStatus, scriptplatform.executor.v1.KillReason).

CREATE TABLE batches (
    id                 uuid PRIMARY KEY,
    label              text NOT NULL DEFAULT '',
    caller             text NOT NULL DEFAULT '',
    total              integer NOT NULL,
    -- jobs not yet in a terminal status; the job that brings it to 0 finishes the batch
    remaining          integer NOT NULL,
    budget_usd         double precision,
    estimated_cost_usd double precision NOT NULL DEFAULT 0,
    cancelled          boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz
);

CREATE TABLE executions (
    id               uuid PRIMARY KEY,
    script_name      text NOT NULL,
    version          text NOT NULL DEFAULT '',
    content_hash     text NOT NULL,
    batch_id         uuid REFERENCES batches (id) ON DELETE CASCADE,
    batch_index      integer NOT NULL DEFAULT 0,
    -- JSON text as given: exact numbers and key order survive
    params           text NOT NULL,
    status           smallint NOT NULL CHECK (status BETWEEN 1 AND 8),
    data_json        text NOT NULL DEFAULT '',
    metadata_json    text NOT NULL DEFAULT '',
    error_type       text NOT NULL DEFAULT '',
    error_message    text NOT NULL DEFAULT '',
    traceback        text NOT NULL DEFAULT '',
    stdout_tail      text NOT NULL DEFAULT '',
    stderr_tail      text NOT NULL DEFAULT '',
    output_truncated boolean NOT NULL DEFAULT false,
    duration_ms      double precision NOT NULL DEFAULT 0,
    cost_usd         double precision NOT NULL DEFAULT 0,
    rows_processed   bigint NOT NULL DEFAULT 0,
    caller           text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    exit_code        integer NOT NULL DEFAULT 0,
    kill_reason      smallint NOT NULL DEFAULT 0,
    exit_reason      text NOT NULL DEFAULT '',
    worker_id        text NOT NULL DEFAULT '',
    -- how many times a worker started it (a redelivery after a worker died makes it 2)
    attempts         integer NOT NULL DEFAULT 0
);

CREATE INDEX executions_batch ON executions (batch_id, batch_index) WHERE batch_id IS NOT NULL;
CREATE INDEX executions_created ON executions (created_at DESC, id DESC);
CREATE INDEX executions_script_created ON executions (script_name, created_at DESC);
CREATE INDEX executions_caller_created ON executions (caller, created_at DESC);
CREATE INDEX executions_unfinished ON executions (status) WHERE status IN (7, 8);
