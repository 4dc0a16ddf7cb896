-- Completes the jobs whose leases were checked (?1 is an array of seqs).
UPDATE OR FAIL jobq_jobs
SET state = 'done', lease_token = NULL, lease_until = NULL, worker = NULL, updated_at = ?2,
    event = 'completed', history = history + 1
WHERE seq IN rarray(?1)
