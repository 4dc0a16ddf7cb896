-- Picks the same rows as purge_events.sql: the same ordered subquery, in the same transaction.
DELETE FROM jobq_jobs WHERE seq IN (
    SELECT seq FROM jobq_jobs
    WHERE state = ?1 AND updated_at <= ?2 AND (?3 IS NULL OR queue = ?3)
    ORDER BY seq LIMIT ?4
)
