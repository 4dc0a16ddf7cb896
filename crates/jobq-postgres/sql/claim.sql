-- Leases up to $3 ready jobs of queue $1 at time $2, in claim order, until $4, for worker $5,
-- each with a new random token, and records a `taken` event for each.
--
-- The ready rows are chosen in a MATERIALIZED CTE whose LIMIT sits above its row locks, so
-- it locks exactly the rows it leases (rows other takers hold are skipped, not waited for);
-- the UPDATE then joins on that fixed set. Written as `UPDATE ... WHERE seq IN (SELECT ...
-- LIMIT)`, the planner may run the subquery more than once or lock more rows than the limit.
--
-- The answer has at least one row: `expired` says whether some lease has run out (a cheap
-- probe of jobs_leases), so the caller sweeps only when there is something to sweep. A row
-- whose id is NULL carries only that flag.
WITH picked AS MATERIALIZED (
    SELECT seq
    FROM {schema}.jobs
    WHERE state = 'queued' AND queue = $1::text AND run_at <= $2::timestamptz
    ORDER BY priority DESC, run_at, seq
    LIMIT $3::bigint
    FOR UPDATE SKIP LOCKED
),
leased AS (
    UPDATE {schema}.jobs AS j
    SET state = 'running',
        attempts = j.attempts + 1,
        lease_token = replace(gen_random_uuid()::text, '-', ''),
        lease_until = $4::timestamptz,
        worker = $5::text,
        updated_at = $2::timestamptz
    FROM picked
    WHERE j.seq = picked.seq
    RETURNING j.seq, j.id, j.queue, j.payload, j.priority, j.run_at, j.attempts,
              j.max_attempts, j.lease_token
),
recorded AS (
    INSERT INTO {schema}.events (job, at, kind, state, attempt, worker)
    SELECT seq, $2::timestamptz, 'taken', 'running', attempts, $5::text FROM leased
)
SELECT l.id, l.queue, l.payload, l.priority, l.attempts, l.max_attempts, l.lease_token,
       x.expired
FROM (
    SELECT EXISTS (
        SELECT 1 FROM {schema}.jobs
        WHERE state = 'running' AND lease_until <= $2::timestamptz
    ) AS expired
) AS x
LEFT JOIN leased AS l ON true
ORDER BY l.priority DESC, l.run_at, l.seq
