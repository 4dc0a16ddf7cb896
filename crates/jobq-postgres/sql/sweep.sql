-- Returns expired leases (G3): each running job whose lease ended by $1 goes back to
-- `queued` after its back-off ($2, $3: base and cap in microseconds) or, with no attempts
-- left, to `failed`, with an error saying whose lease expired and when, and a
-- `lease_expired` event. Rows another transaction holds are left for the next sweep.
-- Returns the queues that got a job ready now.
WITH expired AS MATERIALIZED (
    SELECT seq, queue, attempts, max_attempts, worker, lease_until
    FROM {schema}.jobs
    WHERE state = 'running' AND lease_until <= $1::timestamptz
    ORDER BY lease_until
    LIMIT 1000
    FOR UPDATE SKIP LOCKED
),
ended AS MATERIALIZED (
    SELECT seq, queue, attempts, worker,
           CASE WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END AS new_state,
           CASE WHEN attempts < max_attempts
                THEN $1::timestamptz + {schema}.backoff(attempts, $2::bigint, $3::bigint, random())
           END AS retry_at,
           'lease expired at '
               || to_char(lease_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
               || ': ' || coalesce('worker ' || worker, 'the consumer')
               || ' did not complete, fail or extend it in time' AS error
    FROM expired
),
requeued AS (
    UPDATE {schema}.jobs AS j
    SET state = e.new_state,
        run_at = coalesce(e.retry_at, j.run_at),
        last_error = e.error,
        lease_token = NULL, lease_until = NULL, worker = NULL,
        updated_at = $1::timestamptz
    FROM ended AS e
    WHERE j.seq = e.seq
),
recorded AS (
    INSERT INTO {schema}.events (job, at, kind, state, attempt, worker, error)
    SELECT seq, $1::timestamptz, 'lease_expired', new_state, attempts, worker, error
    FROM ended
)
SELECT DISTINCT queue FROM ended
WHERE new_state = 'queued' AND retry_at <= $1::timestamptz
