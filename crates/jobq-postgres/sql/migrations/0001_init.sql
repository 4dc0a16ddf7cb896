-- jobq schema for PostgreSQL, version 1.
--
-- `{schema}` stands for the configured schema (quoted) and is filled in before this runs.
-- Times are timestamptz with microseconds, always written from the caller's clock, never
-- from now(). `seq` is the submission order and the internal key; `id` is the caller's id.

CREATE TABLE {schema}.jobs (
    seq          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           text        COLLATE "C" NOT NULL,
    queue        text        COLLATE "C" NOT NULL,
    state        text        NOT NULL
                 CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    priority     integer     NOT NULL,
    run_at       timestamptz NOT NULL,
    attempts     bigint      NOT NULL,
    max_attempts bigint      NOT NULL,
    lease_token  text,
    lease_until  timestamptz,
    worker       text,
    last_error   text,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    payload      bytea       NOT NULL,
    -- An id may be 2000 four-byte characters (8000 bytes), more than a B-tree entry holds.
    -- A hash index has no such limit, and the exclusion constraint compares whole ids, so
    -- uniqueness is exact (no two ids are ever confused by a hash collision).
    CONSTRAINT jobs_id_unique EXCLUDE USING hash (id WITH =)
) WITH (
    -- Room on each page so that a job's next version usually lands on the same page.
    fillfactor = 70,
    -- A queue table turns its rows over fast: vacuum after 1% of rows are dead (not the
    -- default 20%) and without the default cost pauses, so dead versions do not pile up
    -- in front of the claim.
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0,
    autovacuum_analyze_scale_factor = 0.02,
    autovacuum_vacuum_insert_scale_factor = 0.05
);

-- The claim walks this index in its ORDER BY and stops at the first rows it can lock: its
-- cost does not grow with the backlog. Partial, so running and finished jobs never weigh on
-- it (and leaving `queued` removes a job from it).
CREATE INDEX jobs_ready ON {schema}.jobs (queue, priority DESC, run_at, seq)
    WHERE state = 'queued';

-- Expired leases are found without looking at any other job.
CREATE INDEX jobs_leases ON {schema}.jobs (lease_until) WHERE state = 'running';

-- Purge walks finished jobs from the oldest change.
CREATE INDEX jobs_finished ON {schema}.jobs (state, updated_at)
    WHERE state IN ('done', 'failed', 'cancelled');

-- The history: one row per transition, in `seq` order.
CREATE TABLE {schema}.events (
    seq     bigint      GENERATED ALWAYS AS IDENTITY,
    job     bigint      NOT NULL,  -- jobs.seq; identities are never reused, so a purged job's
                                   -- history can never be inherited by a later job
    at      timestamptz NOT NULL,
    kind    text        NOT NULL,
    state   text        NOT NULL,
    attempt bigint      NOT NULL,
    worker  text,
    error   text
) WITH (
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_vacuum_insert_scale_factor = 0.05
);

CREATE INDEX events_job ON {schema}.events (job, seq);

-- The back-off after failed attempt `attempt`: base × 2^(attempt-1), capped at max, then
-- scaled by 0.5 + 0.5 × unit (unit in [0, 1): the jitter). The same rule as jobq-core's
-- Backoff::delay_with, which a test checks; in SQL so that a settlement or a lease sweep
-- is one statement.
CREATE FUNCTION {schema}.backoff(
    attempt bigint, base_us bigint, max_us bigint, unit double precision
) RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT floor(
        least(base_us * power(2::double precision, least(greatest(attempt - 1, 0), 62)),
              max_us::double precision)
        * (0.5 + 0.5 * least(greatest(unit, 0), 1))
    ) * interval '1 microsecond'
$$;
