-- Finished jobs in state ?1 (of queue ?2, or of all), oldest submission first.
SELECT seq FROM jobq_jobs INDEXED BY jobq_jobs_finished
WHERE state = ?1 AND (state = 'done' OR state = 'failed' OR state = 'cancelled') AND (?2 IS NULL OR queue = ?2)
ORDER BY seq
