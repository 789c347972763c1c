-- Transactional outbox (DESIGN §3): every job and event hook run is a row written in the transaction that caused it.
-- Embedded: the serve process runs due rows itself (lease + retries + dead state). BullMQ: a dispatcher hands rows
-- to Redis (jobId = key) and marks them dispatched; results are applied by the owner.
-- Times are epoch milliseconds.
CREATE TABLE outbox (
  id           INTEGER PRIMARY KEY,
  key          TEXT NOT NULL UNIQUE,
  kind         TEXT NOT NULL CHECK (kind IN ('job', 'hook')),
  name         TEXT NOT NULL,
  queue        TEXT NOT NULL,
  payload      TEXT NOT NULL,
  state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'dispatched', 'completed', 'dead')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
  run_at       INTEGER NOT NULL,
  lease_until  INTEGER,
  last_error   TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_state_run_at ON outbox (state, run_at);

-- Results of jobs applied by the owner (job.apply): a result is applied at most once per job key.
CREATE TABLE job_results_applied (
  key        TEXT PRIMARY KEY,
  applied_at INTEGER NOT NULL
) STRICT;
