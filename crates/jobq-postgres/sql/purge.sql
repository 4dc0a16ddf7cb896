-- Deletes up to $4 jobs in state $1 whose last change is at or before $2 (of queue $3, or
-- of all), oldest change first, with their history; returns how many. One short statement
-- per chunk, skipping rows another transaction holds, so a large purge never holds the
-- queue for long.
WITH doomed AS MATERIALIZED (
    SELECT seq
    FROM {schema}.jobs
    -- The literal list lets a prepared (generic) plan use the partial index jobs_finished,
    -- which `state = $1` alone cannot prove applies.
    WHERE state = $1::text AND state IN ('done', 'failed', 'cancelled')
      AND updated_at <= $2::timestamptz
      AND ($3::text IS NULL OR queue = $3::text)
    ORDER BY updated_at
    LIMIT $4::bigint
    FOR UPDATE SKIP LOCKED
),
history AS (
    DELETE FROM {schema}.events WHERE job IN (SELECT seq FROM doomed)
),
deleted AS (
    DELETE FROM {schema}.jobs WHERE seq IN (SELECT seq FROM doomed) RETURNING 1
)
SELECT count(*)::bigint FROM deleted
