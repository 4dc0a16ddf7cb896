SELECT queue, state, count(*)::bigint
FROM {schema}.jobs
WHERE ($1::text IS NULL OR queue = $1::text)
GROUP BY queue, state
