-- The jobs in state $1, of queue $2 or of all queues, locked in `seq` order.
SELECT seq
FROM {schema}.jobs
WHERE state = $1::text AND ($2::text IS NULL OR queue = $2::text)
ORDER BY seq
FOR UPDATE
