-- The jobs with these ids, locked in `seq` order (so that two managers cannot deadlock).
SELECT seq, id, state
FROM {schema}.jobs
WHERE id = ANY ($1::text[])
ORDER BY seq
FOR UPDATE
