-- Leases the next ready jobs of a queue, each with a new random token. The subquery walks
-- the partial index in claim order (INDEXED BY makes its use a guarantee: the statement
-- fails to prepare rather than scan the table); RETURNING gives no order, so the caller
-- sorts by (priority DESC, run_at, seq).
UPDATE OR FAIL jobq_jobs
SET state = 'running', attempts = attempts + 1, lease_token = lower(hex(randomblob(16))),
    lease_until = ?3, worker = ?4, updated_at = ?2, event = 'taken', history = history + 1
WHERE seq IN (
    SELECT seq FROM jobq_jobs INDEXED BY jobq_jobs_ready
    WHERE state = 'queued' AND queue = ?1 AND run_at <= ?2
    ORDER BY priority DESC, run_at, seq
    LIMIT ?5
)
RETURNING seq, id, queue, payload, priority, run_at, attempts, max_attempts, lease_token
