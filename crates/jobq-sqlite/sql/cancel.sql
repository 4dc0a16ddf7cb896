UPDATE OR FAIL jobq_jobs SET state = 'cancelled', updated_at = ?2, event = 'cancelled',
    history = history + 1
WHERE seq = ?1
