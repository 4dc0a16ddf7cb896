-- One job and its whole history, in one statement (so one snapshot: they agree). The
-- history comes as parallel arrays, NULL when there is none.
SELECT j.seq, j.id, j.queue, j.state, j.priority, j.run_at, j.attempts, j.max_attempts,
       j.created_at, j.updated_at, j.last_error, j.worker, j.lease_until, j.payload,
       h.ats, h.kinds, h.states, h.attempts, h.workers, h.errors
FROM {schema}.jobs AS j
CROSS JOIN LATERAL (
    SELECT array_agg(e.at ORDER BY e.seq) AS ats,
           array_agg(e.kind ORDER BY e.seq) AS kinds,
           array_agg(e.state ORDER BY e.seq) AS states,
           array_agg(e.attempt ORDER BY e.seq) AS attempts,
           array_agg(e.worker ORDER BY e.seq) AS workers,
           array_agg(e.error ORDER BY e.seq) AS errors
    FROM {schema}.events AS e
    WHERE e.job = j.seq
) AS h
WHERE j.id = $1::text
