INSERT INTO jobq_jobs
    (id, queue, state, priority, run_at, attempts, max_attempts, created_at, updated_at,
     event, history, payload)
VALUES (?1, ?2, 'queued', ?3, ?4, 0, ?5, ?6, ?6, 'submitted', 1, ?7)
