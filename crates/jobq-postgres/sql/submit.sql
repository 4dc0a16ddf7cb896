-- Stores a batch of jobs, all or none (one statement), in the order given, with their
-- `submitted` events; returns the queues that got a job ready now.
-- $1..$6: the jobs' columns as arrays; $7: now.
WITH input AS (
    SELECT *
    FROM unnest($1::text[], $2::text[], $3::integer[], $4::timestamptz[], $5::bigint[],
                $6::bytea[])
        WITH ORDINALITY AS t (id, queue, priority, run_at, max_attempts, payload, ord)
),
inserted AS (
    INSERT INTO {schema}.jobs
        (id, queue, state, priority, run_at, attempts, max_attempts, created_at, updated_at,
         payload)
    SELECT id, queue, 'queued', priority, run_at, 0, max_attempts, $7, $7, payload
    FROM input
    ORDER BY ord
    RETURNING seq, queue, run_at
),
recorded AS (
    INSERT INTO {schema}.events (job, at, kind, state, attempt)
    SELECT seq, $7, 'submitted', 'queued', 0 FROM inserted
)
SELECT DISTINCT queue FROM inserted WHERE run_at <= $7::timestamptz
