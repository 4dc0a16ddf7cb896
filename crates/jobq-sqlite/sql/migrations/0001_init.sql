-- jobq schema, version 1.
--
-- Times are microseconds since the Unix epoch (UTC). `seq` is the submission order and the
-- internal key; `id` is the caller's unique id.

CREATE TABLE jobq_jobs (
    seq          INTEGER PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    queue        TEXT    NOT NULL,
    -- The CHECK and the index conditions below are written with OR rather than IN: SQLite
    -- evaluates an IN list of constants by building a temporary table, on every write.
    state        TEXT    NOT NULL
                 CHECK (state = 'queued' OR state = 'running' OR state = 'done'
                        OR state = 'failed' OR state = 'cancelled'),
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
    -- The last transition (an event kind), and how many the job has had: every statement
    -- that moves a job sets both, and the triggers below write its history from them.
    event        TEXT    NOT NULL,
    history      INTEGER NOT NULL,
    -- Last, so that reading the other columns never walks a large payload's overflow pages.
    payload      BLOB    NOT NULL
);

-- The claim walks this index in its ORDER BY and stops at the first rows it leases: O(log n)
-- whatever the backlog. Partial, so that running and finished jobs never weigh on it. It
-- also counts queued jobs by queue.
CREATE INDEX jobq_jobs_ready ON jobq_jobs (queue, priority DESC, run_at, seq)
    WHERE state = 'queued';

-- Expired leases are found without looking at any other job; running jobs are counted here.
CREATE INDEX jobq_jobs_leases ON jobq_jobs (lease_until) WHERE state = 'running';

-- Finished jobs by state, queue and age: counts, purge, resubmit --failed. Queued and
-- running jobs are not in it, so that submitting and taking never touch it.
CREATE INDEX jobq_jobs_finished ON jobq_jobs (state, queue, updated_at)
    WHERE state = 'done' OR state = 'failed' OR state = 'cancelled';

-- The history: one row per transition, clustered by job, so a job's story is one range.
CREATE TABLE jobq_events (
    job     INTEGER NOT NULL,  -- jobq_jobs.seq
    n       INTEGER NOT NULL,  -- 1 for the submission, then one more per transition
    at      INTEGER NOT NULL,
    kind    TEXT    NOT NULL,
    state   TEXT    NOT NULL,
    attempt INTEGER NOT NULL,
    worker  TEXT,
    error   TEXT,
    PRIMARY KEY (job, n)
) WITHOUT ROWID;

-- A job's history is written by the database itself, in the statement that moves the job,
-- so no write path can forget it. (OR FAIL: see insert_job.sql.)
CREATE TRIGGER jobq_history_submitted AFTER INSERT ON jobq_jobs
BEGIN
    INSERT OR FAIL INTO jobq_events (job, n, at, kind, state, attempt)
    VALUES (NEW.seq, NEW.history, NEW.updated_at, NEW.event, NEW.state, NEW.attempts);
END;

CREATE TRIGGER jobq_history_moved AFTER UPDATE OF history ON jobq_jobs
BEGIN
    INSERT OR FAIL INTO jobq_events (job, n, at, kind, state, attempt, worker, error)
    VALUES (NEW.seq, NEW.history, NEW.updated_at, NEW.event, NEW.state, NEW.attempts,
            coalesce(NEW.worker, OLD.worker),
            CASE WHEN NEW.event = 'failed' OR NEW.event = 'lease_expired'
                 THEN NEW.last_error END);
END;

CREATE TRIGGER jobq_purge_history AFTER DELETE ON jobq_jobs
BEGIN
    DELETE FROM jobq_events WHERE job = OLD.seq;
END;
