-- Which of the ids $1 exist (after a submission was refused as a duplicate). One index
-- probe per id; OFFSET 0 keeps the planner from flattening it (see lock_ids.sql).
SELECT j.id
FROM unnest($1::text[]) AS i (id)
CROSS JOIN LATERAL (
    SELECT id FROM {schema}.jobs WHERE jobs.id = i.id OFFSET 0
) AS j
