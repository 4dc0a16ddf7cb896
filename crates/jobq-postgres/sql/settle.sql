-- Settles a batch of leased attempts in one statement, each by itself.
-- $1 ids, $2 lease tokens, $3 whether each failed, $4 each failure's error (NULL for a
-- completion); $5 now; $6, $7 the back-off base and cap in microseconds.
--
-- Each settlement is checked against its job as it stands (locked, in id order so that two
-- batches cannot deadlock): unknown, not running, another lease, or expired. Of the
-- settlements that hold a job's lease, the first in the batch wins; the others see the
-- job already settled, as if they had run one after another.
--
-- One row per settlement, in order: its verdict and what it saw, and the winner of its job.
WITH input AS MATERIALIZED (
    SELECT *
    FROM unnest($1::text[], $2::text[], $3::boolean[], $4::text[])
        WITH ORDINALITY AS i (id, token, failed, error, ord)
),
held AS MATERIALIZED (
    -- One index probe per distinct id, in id order: see lock_ids.sql.
    SELECT h.*
    FROM (SELECT DISTINCT id FROM input ORDER BY id) AS i
    CROSS JOIN LATERAL (
        SELECT seq, id, queue, state, attempts, max_attempts, lease_token, lease_until,
               worker
        FROM {schema}.jobs AS j
        WHERE j.id = i.id
        FOR UPDATE
    ) AS h
),
checked AS MATERIALIZED (
    SELECT i.ord, i.failed, i.error, h.seq, h.queue, h.state, h.attempts, h.max_attempts,
           h.worker, h.lease_until,
           CASE
               WHEN h.seq IS NULL THEN 'unknown'
               WHEN h.state <> 'running' THEN 'not_running'
               WHEN h.lease_token IS DISTINCT FROM i.token THEN 'other_lease'
               WHEN h.lease_until <= $5::timestamptz THEN 'expired'
               ELSE 'held'
           END AS verdict
    FROM input AS i
    LEFT JOIN held AS h ON h.id = i.id
),
winners AS MATERIALIZED (
    SELECT DISTINCT ON (seq)
           ord, seq, queue, failed, error, attempts, worker,
           CASE WHEN NOT failed THEN 'done'
                WHEN attempts < max_attempts THEN 'queued'
                ELSE 'failed'
           END AS new_state,
           CASE WHEN failed AND attempts < max_attempts
                THEN $5::timestamptz + {schema}.backoff(attempts, $6::bigint, $7::bigint, random())
           END AS retry_at
    FROM checked
    WHERE verdict = 'held'
    ORDER BY seq, ord
),
ended AS (
    UPDATE {schema}.jobs AS j
    SET state = w.new_state,
        run_at = coalesce(w.retry_at, j.run_at),
        last_error = CASE WHEN w.failed THEN w.error ELSE j.last_error END,
        lease_token = NULL, lease_until = NULL, worker = NULL,
        updated_at = $5::timestamptz
    FROM winners AS w
    WHERE j.seq = w.seq
),
recorded AS (
    INSERT INTO {schema}.events (job, at, kind, state, attempt, worker, error)
    SELECT seq, $5::timestamptz, CASE WHEN failed THEN 'failed' ELSE 'completed' END,
           new_state, attempts, worker, CASE WHEN failed THEN error END
    FROM winners
    ORDER BY ord
),
woken AS MATERIALIZED (
    SELECT DISTINCT queue FROM winners
    WHERE new_state = 'queued' AND retry_at <= $5::timestamptz
)
SELECT c.ord, c.verdict, c.state, c.attempts, c.lease_until,
       w.ord AS winner, w.new_state, w.retry_at,
       ARRAY (SELECT queue FROM woken) AS woken
FROM checked AS c
LEFT JOIN winners AS w ON w.seq = c.seq
ORDER BY c.ord
