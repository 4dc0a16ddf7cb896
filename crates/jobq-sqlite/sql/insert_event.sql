INSERT INTO jobq_events (job, at, kind, state, attempt, worker, error)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
