-- The jobs with ids $1, locked in id order (so that two managers cannot deadlock).
--
-- One index probe per id, in a LATERAL subquery that the planner cannot flatten (it holds
-- FOR UPDATE). Written as `WHERE id = ANY ($1)`, a plan made while the table was small
-- scans the whole table, and a prepared statement keeps that plan as the table grows.
SELECT j.seq, j.id, j.state
FROM (SELECT DISTINCT id FROM unnest($1::text[]) AS u (id) ORDER BY id) AS i
CROSS JOIN LATERAL (
    SELECT seq, id, state FROM {schema}.jobs WHERE jobs.id = i.id FOR UPDATE
) AS j
