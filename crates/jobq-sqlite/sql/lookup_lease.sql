SELECT seq, state, attempts, max_attempts, lease_token, lease_until, worker
FROM jobq_jobs
WHERE id = ?1
