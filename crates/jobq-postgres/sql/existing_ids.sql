-- Which of these ids exist (after a submission was refused as a duplicate).
SELECT id FROM {schema}.jobs WHERE id = ANY ($1::text[])
