UPDATE jobq_jobs SET lease_until = ?2 WHERE seq = ?1
