-- Cancels the (locked, queued) jobs $1 at $2, with a `cancelled` event each.
WITH cancelled AS (
    UPDATE {schema}.jobs
    SET state = 'cancelled', updated_at = $2::timestamptz
    WHERE seq = ANY ($1::bigint[])
    RETURNING seq, attempts
)
INSERT INTO {schema}.events (job, at, kind, state, attempt)
SELECT seq, $2::timestamptz, 'cancelled', 'cancelled', attempts FROM cancelled
