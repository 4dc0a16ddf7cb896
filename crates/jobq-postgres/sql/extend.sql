-- Renews job $1's lease $2 to end at $4, if it is still held at $3. One row (what the job
-- looked like, and whether it was extended), or none for an unknown job.
WITH held AS MATERIALIZED (
    SELECT seq, state, attempts, lease_token, lease_until
    FROM {schema}.jobs
    WHERE id = $1::text
    FOR UPDATE
),
extended AS (
    UPDATE {schema}.jobs AS j
    SET lease_until = $4::timestamptz
    FROM held AS h
    WHERE j.seq = h.seq AND h.state = 'running' AND h.lease_token = $2::text
      AND h.lease_until > $3::timestamptz
    RETURNING j.seq
)
SELECT h.state, h.attempts, h.lease_token = $2::text AS same_lease, h.lease_until,
       EXISTS (SELECT 1 FROM extended) AS extended
FROM held AS h
