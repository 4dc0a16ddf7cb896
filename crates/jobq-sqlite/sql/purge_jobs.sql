-- Deletes up to ?4 finished jobs in state ?1 last changed at or before ?2 (of queue ?3, or
-- of all); their history goes with them (jobq_purge_history). The condition on state,
-- written as the partial index of finished jobs writes it, lets the planner use it.
DELETE FROM jobq_jobs WHERE seq IN (
    SELECT seq FROM jobq_jobs INDEXED BY jobq_jobs_finished
    WHERE state = ?1 AND (state = 'done' OR state = 'failed' OR state = 'cancelled')
      AND (?3 IS NULL OR queue = ?3) AND updated_at <= ?2
    LIMIT ?4
)
