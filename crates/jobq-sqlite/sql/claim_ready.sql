-- The next ready jobs of a queue, in claim order. INDEXED BY makes the planner's use of the
-- partial index a guarantee (the statement fails to prepare rather than scan the table).
SELECT seq
FROM jobq_jobs INDEXED BY jobq_jobs_ready
WHERE state = 'queued' AND queue = ?1 AND run_at <= ?2
ORDER BY priority DESC, run_at, seq
LIMIT ?3
