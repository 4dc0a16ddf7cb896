-- The queued jobs of queue $1, or of all queues, locked in `seq` order (walking the partial
-- index jobs_ready, which holds only queued jobs).
SELECT seq
FROM {schema}.jobs
WHERE state = 'queued' AND ($1::text IS NULL OR queue = $1::text)
ORDER BY seq
FOR UPDATE
