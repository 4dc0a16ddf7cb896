-- Resubmit: back to queued, ready now, attempts reset.
UPDATE OR FAIL jobq_jobs
SET state = 'queued', attempts = 0, run_at = ?2, lease_token = NULL, lease_until = NULL,
    updated_at = ?2, event = 'resubmitted', history = history + 1
WHERE seq = ?1
