SELECT seq, id, queue, state, priority, run_at, attempts, max_attempts, created_at,
       updated_at, last_error, worker, lease_until, payload
FROM {schema}.jobs
WHERE ($1::text IS NULL OR queue = $1::text) AND ($2::text IS NULL OR state = $2::text)
ORDER BY seq
LIMIT $3::bigint
