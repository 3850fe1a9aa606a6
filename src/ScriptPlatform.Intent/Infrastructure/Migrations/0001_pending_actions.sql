-- Intent's own data: sessions and their pending actions (one per session), so that any replica
-- can confirm what another proposed.
CREATE TABLE IF NOT EXISTS sessions (
    id          text PRIMARY KEY,
    agent_id    text NOT NULL DEFAULT '',
    -- SHA-256 of the API key that opened the session (never the key itself); '' for anonymous callers.
    caller_hash text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS pending_actions (
    id          uuid PRIMARY KEY,
    session_id  text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    caller_hash text NOT NULL,
    agent_id    text NOT NULL DEFAULT '',
    kind        integer NOT NULL,
    -- 1 pending, 2 completed, 3 failed, 4 declined, 5 expired, 6 executing (ConfirmationState + executing)
    state       integer NOT NULL,
    -- The ProposedAction shown to the user (protobuf) and what a yes will do (JSON).
    proposal    bytea NOT NULL,
    plan        jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    answered_at timestamptz
);

-- One pending action per session: a new proposal first settles the old one.
CREATE UNIQUE INDEX IF NOT EXISTS pending_actions_one_per_session ON pending_actions (session_id) WHERE state = 1;
CREATE INDEX IF NOT EXISTS pending_actions_by_session ON pending_actions (session_id, created_at);
