-- Counts by queue and state, each state through the index that holds it, so that counting
-- never reads the table but for the (few) running jobs.
SELECT queue, 'queued', count(*) FROM jobq_jobs INDEXED BY jobq_jobs_ready
WHERE state = 'queued' AND (?1 IS NULL OR queue = ?1) GROUP BY queue
UNION ALL
SELECT queue, 'running', count(*) FROM jobq_jobs INDEXED BY jobq_jobs_leases
WHERE state = 'running' AND (?1 IS NULL OR queue = ?1) GROUP BY queue
UNION ALL
SELECT queue, state, count(*) FROM jobq_jobs INDEXED BY jobq_jobs_finished
WHERE (state = 'done' OR state = 'failed' OR state = 'cancelled') AND (?1 IS NULL OR queue = ?1)
GROUP BY state, queue
