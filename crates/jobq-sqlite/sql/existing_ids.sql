-- Which of the ids in ?1 (an array) exist already.
SELECT id FROM jobq_jobs WHERE id IN rarray(?1)
