-- Registry schema v1: scripts, versions, embeddings, agents' tools, feedback, keys, audit, stats.
CREATE TABLE IF NOT EXISTS scripts (
    id                   bigserial PRIMARY KEY,
    name                 text NOT NULL UNIQUE,
    category             text NOT NULL DEFAULT 'general',
    description          text NOT NULL DEFAULT '',
    summary              text NOT NULL DEFAULT '',
    tags                 text[] NOT NULL DEFAULT '{}',
    -- tags as one string: generated tsvector columns may only use immutable functions.
    tags_text            text NOT NULL DEFAULT '',
    owner                text NOT NULL,
    deprecated           boolean NOT NULL DEFAULT false,
    deprecation_reason   text,
    latest_version       text,
    latest_content_hash  text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    usage_count          bigint NOT NULL DEFAULT 0,
    success_count        bigint NOT NULL DEFAULT 0,
    total_duration_ms    double precision NOT NULL DEFAULT 0,
    last_used_at         timestamptz,
    rating_sum           bigint NOT NULL DEFAULT 0,
    rating_count         bigint NOT NULL DEFAULT 0,
    total_cost_usd       double precision NOT NULL DEFAULT 0,
    total_rows_processed bigint NOT NULL DEFAULT 0,
    search_vector        tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', replace(name, '_', ' ')), 'A') ||
        setweight(to_tsvector('english', description), 'B') ||
        setweight(to_tsvector('english', tags_text), 'B') ||
        setweight(to_tsvector('english', summary), 'C')) STORED
);
CREATE INDEX IF NOT EXISTS scripts_search_idx ON scripts USING gin (search_vector);
CREATE INDEX IF NOT EXISTS scripts_category_idx ON scripts (category);
CREATE INDEX IF NOT EXISTS scripts_tags_idx ON scripts USING gin (tags);

CREATE TABLE IF NOT EXISTS script_versions (
    id            bigserial PRIMARY KEY,
    script_id     bigint NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
    version       text NOT NULL,
    content       text NOT NULL,
    content_hash  text NOT NULL,
    size_bytes    integer NOT NULL,
    changelog     text NOT NULL DEFAULT '',
    is_latest     boolean NOT NULL DEFAULT false,
    metadata      jsonb NOT NULL DEFAULT '{}',
    published_at  timestamptz NOT NULL DEFAULT now(),
    published_by  text NOT NULL,
    UNIQUE (script_id, version)
);
CREATE UNIQUE INDEX IF NOT EXISTS script_versions_latest_idx ON script_versions (script_id) WHERE is_latest;

-- Highest number ever used per generated-name prefix (category_task); never lowered, so never reused.
CREATE TABLE IF NOT EXISTS name_counters (
    prefix   text PRIMARY KEY,
    highest  integer NOT NULL
);

CREATE SEQUENCE IF NOT EXISTS embedding_revision;
CREATE TABLE IF NOT EXISTS script_embeddings (
    script_id  bigint PRIMARY KEY REFERENCES scripts (id) ON DELETE CASCADE,
    model      text NOT NULL,
    vector     real[] NOT NULL,
    -- Lets other replicas pick up changed vectors incrementally.
    revision   bigint NOT NULL DEFAULT nextval('embedding_revision')
);
CREATE INDEX IF NOT EXISTS script_embeddings_revision_idx ON script_embeddings (revision);

CREATE TABLE IF NOT EXISTS agent_tools (
    agent_id          text NOT NULL,
    script_id         bigint NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
    version_selector  text NOT NULL DEFAULT '',
    linked_at         timestamptz NOT NULL DEFAULT now(),
    linked_by         text NOT NULL,
    PRIMARY KEY (agent_id, script_id)
);
CREATE INDEX IF NOT EXISTS agent_tools_script_idx ON agent_tools (script_id);

CREATE TABLE IF NOT EXISTS feedback (
    id            bigserial PRIMARY KEY,
    script_id     bigint NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
    version       text,
    rating        smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment       text NOT NULL DEFAULT '',
    execution_id  text,
    author        text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS api_keys (
    id            text PRIMARY KEY,
    secret_hash   text NOT NULL UNIQUE,
    prefix        text NOT NULL,
    label         text NOT NULL DEFAULT '',
    owner         text NOT NULL,
    scopes        text[] NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz
);

-- Every write: who, what, when.
CREATE TABLE IF NOT EXISTS audit_log (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    actor   text NOT NULL,
    action  text NOT NULL,
    target  text NOT NULL,
    details jsonb NOT NULL DEFAULT '{}'
);

-- Executions already counted in the stats (the ScriptRunCompleted consumer's idempotency key).
CREATE TABLE IF NOT EXISTS processed_executions (
    execution_id  uuid PRIMARY KEY,
    processed_at  timestamptz NOT NULL DEFAULT now()
);
