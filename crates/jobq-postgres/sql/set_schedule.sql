-- Adds schedule $1 or replaces it; says whether one was replaced.
WITH before AS (
    SELECT 1 FROM {schema}.schedules WHERE name = $1::text
), upserted AS (
    INSERT INTO {schema}.schedules (name, every, queue, payload, priority, max_attempts, since)
    VALUES ($1::text, $2::text, $3::text, $4::bytea, $5::integer, $6::integer, $7::timestamptz)
    ON CONFLICT (name) DO UPDATE SET
        every = excluded.every, queue = excluded.queue, payload = excluded.payload,
        priority = excluded.priority, max_attempts = excluded.max_attempts,
        since = excluded.since
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM before) AS replaced, (SELECT count(*) FROM upserted) AS written
