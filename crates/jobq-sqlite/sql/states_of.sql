-- The jobs of the ids in ?1 (an array), with their states.
SELECT seq, id, state FROM jobq_jobs WHERE id IN rarray(?1)
