-- Claiming a queued job (status 7 -> 8, worker, started_at) updated an indexed column (the unfinished-runs index was
-- on status), so Postgres wrote a new row version and a new entry in each of the table's six indexes for every claim.
-- Indexed on finished_at instead, which a claim does not touch, the claim is a HOT update (in place on its page, no
-- index entry) when the page has room: hence the fill factor, leaving a fifth of each page for the claims of the rows
-- a batch's COPY packs there. Only the abandonment sweep reads this index.
DROP INDEX executions_unfinished;
CREATE INDEX executions_unfinished ON executions (created_at) WHERE finished_at IS NULL;
ALTER TABLE executions SET (fillfactor = 80);
