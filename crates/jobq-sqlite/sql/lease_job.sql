UPDATE jobq_jobs
SET state = 'running', attempts = attempts + 1, lease_token = ?2, lease_until = ?3,
    worker = ?4, updated_at = ?5
WHERE seq = ?1
RETURNING id, queue, payload, priority, attempts, max_attempts
