-- Ends a lease: to done, to failed, or back to queued for a retry at ?3.
UPDATE jobq_jobs
SET state = ?2, run_at = coalesce(?3, run_at), last_error = coalesce(?4, last_error),
    lease_token = NULL, lease_until = NULL, worker = NULL, updated_at = ?5
WHERE seq = ?1
