-- Puts the (locked, failed or cancelled) jobs $1 back to `queued`, ready at $2, attempts
-- reset, with a `resubmitted` event; returns their queues.
WITH requeued AS (
    UPDATE {schema}.jobs
    SET state = 'queued', attempts = 0, run_at = $2::timestamptz,
        lease_token = NULL, lease_until = NULL, updated_at = $2::timestamptz
    WHERE seq = ANY ($1::bigint[])
    RETURNING seq, queue
),
recorded AS (
    INSERT INTO {schema}.events (job, at, kind, state, attempt)
    SELECT seq, $2::timestamptz, 'resubmitted', 'queued', 0 FROM requeued
)
SELECT DISTINCT queue FROM requeued
