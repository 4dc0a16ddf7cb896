UPDATE jobq_jobs SET state = 'cancelled', updated_at = ?2 WHERE seq = ?1
RETURNING attempts
