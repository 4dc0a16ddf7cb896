SELECT seq FROM jobq_jobs
WHERE state = ?1 AND (?2 IS NULL OR queue = ?2)
ORDER BY seq
