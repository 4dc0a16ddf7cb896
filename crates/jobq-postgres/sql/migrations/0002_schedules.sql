-- jobq schema, version 2: periodic jobs.

CREATE TABLE {schema}.schedules (
    name         text        PRIMARY KEY,
    every        text        NOT NULL,  -- `every 1m` or `cron 0 * * * *`
    queue        text        NOT NULL,
    payload      bytea       NOT NULL,
    priority     integer     NOT NULL,
    max_attempts integer     NOT NULL,
    since        timestamptz NOT NULL   -- when it was set: no earlier tick is submitted
);
