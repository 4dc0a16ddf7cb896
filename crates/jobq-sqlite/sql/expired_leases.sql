SELECT seq, attempts, max_attempts, worker, lease_until
FROM jobq_jobs INDEXED BY jobq_jobs_leases
WHERE state = 'running' AND lease_until <= ?1
LIMIT 1000
