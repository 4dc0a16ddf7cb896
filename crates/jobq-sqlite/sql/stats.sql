SELECT queue, state, count(*)
FROM jobq_jobs INDEXED BY jobq_jobs_state
WHERE (?1 IS NULL OR queue = ?1)
GROUP BY queue, state
