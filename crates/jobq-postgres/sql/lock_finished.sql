-- The jobs in state $1 (failed or cancelled), of queue $2 or of all queues, locked in `seq`
-- order. The literal list lets a prepared plan use the partial index jobs_finished.
SELECT seq
FROM {schema}.jobs
WHERE state = $1::text AND state IN ('failed', 'cancelled')
  AND ($2::text IS NULL OR queue = $2::text)
ORDER BY seq
FOR UPDATE
