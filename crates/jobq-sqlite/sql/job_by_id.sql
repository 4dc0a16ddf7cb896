SELECT seq, id, queue, state, priority, run_at, attempts, max_attempts, created_at,
       updated_at, last_error, worker, lease_until, payload
FROM jobq_jobs
WHERE id = ?1
