-- Vector store projection (issue 13): deletions leave a tombstone on the same revision sequence as
-- script_embeddings, so every replica (and a shared Qdrant) can follow removals as it follows
-- upserts. Payload changes (deprecation, agents' tools) bump the embedding's revision.
CREATE TABLE IF NOT EXISTS vector_tombstones (
    script_id  bigint NOT NULL,
    revision   bigint NOT NULL DEFAULT nextval('embedding_revision')
);
CREATE INDEX IF NOT EXISTS vector_tombstones_revision_idx ON vector_tombstones (revision);
