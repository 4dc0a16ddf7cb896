-- The jobs settlements name (?1 is an array of ids), with what a lease check needs.
SELECT seq, id, state, attempts, max_attempts, lease_token, lease_until
FROM jobq_jobs
WHERE id IN rarray(?1)
