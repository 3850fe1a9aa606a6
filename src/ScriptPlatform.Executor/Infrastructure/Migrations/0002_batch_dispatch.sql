-- Batches remember whether their RunScript messages were sent, with what they need to be sent again:
-- the inline content (registry content is reloaded by name, version and hash) and the batch's limits.
ALTER TABLE batches ADD COLUMN dispatched_at timestamptz;
ALTER TABLE batches ADD COLUMN limits_json text;
UPDATE batches SET dispatched_at = created_at;
CREATE INDEX batches_undispatched ON batches (created_at) WHERE dispatched_at IS NULL;

CREATE TABLE script_contents (
    content_hash text PRIMARY KEY,
    content      text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
