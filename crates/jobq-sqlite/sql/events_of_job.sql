SELECT at, kind, state, attempt, worker, error
FROM jobq_events
WHERE job = ?1
ORDER BY n
