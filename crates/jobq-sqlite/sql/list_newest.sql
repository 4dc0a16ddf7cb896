SELECT seq, id, queue, state, priority, run_at, attempts, max_attempts, created_at,
       updated_at, last_error, worker, lease_until, payload
FROM jobq_jobs
WHERE (?1 IS NULL OR queue = ?1) AND (?2 IS NULL OR state = ?2)
ORDER BY seq DESC
LIMIT ?3
