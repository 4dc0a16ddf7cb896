-- jobq schema, version 2: periodic jobs.

CREATE TABLE jobq_schedules (
    name         TEXT    PRIMARY KEY,
    every        TEXT    NOT NULL,  -- `every 1m` or `cron 0 * * * *`
    queue        TEXT    NOT NULL,
    payload      BLOB    NOT NULL,
    priority     INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    since        INTEGER NOT NULL   -- when it was set: no earlier tick is submitted
) WITHOUT ROWID;
