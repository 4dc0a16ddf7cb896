-- Queued jobs (of queue ?1, or of all), oldest submission first.
SELECT seq FROM jobq_jobs INDEXED BY jobq_jobs_ready
WHERE state = 'queued' AND (?1 IS NULL OR queue = ?1)
ORDER BY seq
