DELETE FROM jobq_events WHERE job IN (
    SELECT seq FROM jobq_jobs
    WHERE state = ?1 AND updated_at <= ?2 AND (?3 IS NULL OR queue = ?3)
    ORDER BY seq LIMIT ?4
)
