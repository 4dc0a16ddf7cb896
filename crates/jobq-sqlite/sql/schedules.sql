SELECT name, every, queue, payload, priority, max_attempts, since
FROM jobq_schedules
ORDER BY name
