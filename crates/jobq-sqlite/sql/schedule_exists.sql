SELECT 1 FROM jobq_schedules WHERE name = ?1
