SELECT seq, state, lease_token, lease_until, attempts
FROM jobq_jobs
WHERE id = ?1
