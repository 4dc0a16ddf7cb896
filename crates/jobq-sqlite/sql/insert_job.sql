-- OR FAIL, here and in every statement that moves jobs: a statement that could abort half-way
-- (a constraint, a trigger writing the history) makes SQLite copy every page it touches into
-- a statement journal first, to undo it alone. jobq never needs that: ids are checked before
-- anything is written, and an operation that fails after writing rolls back its whole
-- transaction (see src/writer.rs).
INSERT OR FAIL INTO jobq_jobs
    (id, queue, state, priority, run_at, attempts, max_attempts, created_at, updated_at,
     event, history, payload)
VALUES (?1, ?2, 'queued', ?3, ?4, 0, ?5, ?6, ?6, 'submitted', 1, ?7)
