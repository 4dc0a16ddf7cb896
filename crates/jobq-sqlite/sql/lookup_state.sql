SELECT seq, state FROM jobq_jobs WHERE id = ?1
