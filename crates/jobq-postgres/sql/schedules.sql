SELECT name, every, queue, payload, priority, max_attempts, since
FROM {schema}.schedules
ORDER BY name
