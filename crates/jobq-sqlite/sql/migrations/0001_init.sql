-- jobq schema, version 1.
--
-- Times are microseconds since the Unix epoch (UTC). `seq` is the submission order and the
-- internal key; `id` is the caller's unique id.

CREATE TABLE jobq_jobs (
    seq          INTEGER PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    queue        TEXT    NOT NULL,
    state        TEXT    NOT NULL
                 CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    priority     INTEGER NOT NULL,
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    lease_token  TEXT,
    lease_until  INTEGER,
    worker       TEXT,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    -- Last, so that reading the other columns never walks a large payload's overflow pages.
    payload      BLOB    NOT NULL
);

-- The claim walks this index in its ORDER BY and stops at the first rows it leases: O(log n)
-- whatever the backlog. Partial, so finished jobs never weigh on it.
CREATE INDEX jobq_jobs_ready ON jobq_jobs (queue, priority DESC, run_at, seq)
    WHERE state = 'queued';

-- Expired leases are found without looking at any other job.
CREATE INDEX jobq_jobs_leases ON jobq_jobs (lease_until) WHERE state = 'running';

-- Counts by state and queue (a covering scan), purge by state and age, list by state.
CREATE INDEX jobq_jobs_state ON jobq_jobs (state, queue, updated_at);

-- The history: one row per transition.
CREATE TABLE jobq_events (
    job     INTEGER NOT NULL,  -- jobq_jobs.seq
    at      INTEGER NOT NULL,
    kind    TEXT    NOT NULL,
    state   TEXT    NOT NULL,
    attempt INTEGER NOT NULL,
    worker  TEXT,
    error   TEXT
);

CREATE INDEX jobq_events_job ON jobq_events (job);
