DELETE FROM jobq_schedules WHERE name = ?1
