-- Ends a lease that failed or expired (event ?6): to failed, or back to queued for a retry
-- at ?3, keeping the error ?4.
UPDATE OR FAIL jobq_jobs
SET state = ?2, run_at = coalesce(?3, run_at), last_error = ?4,
    lease_token = NULL, lease_until = NULL, worker = NULL, updated_at = ?5,
    event = ?6, history = history + 1
WHERE seq = ?1
