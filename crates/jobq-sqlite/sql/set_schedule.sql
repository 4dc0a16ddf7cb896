INSERT INTO jobq_schedules (name, every, queue, payload, priority, max_attempts, since)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (name) DO UPDATE SET
    every = excluded.every, queue = excluded.queue, payload = excluded.payload,
    priority = excluded.priority, max_attempts = excluded.max_attempts, since = excluded.since
