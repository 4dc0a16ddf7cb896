-- Sends each of $2 on channel $1: the queues that got a job ready now, or the start-up
-- self-check's probe. Sent after the change committed, in a transaction of its own that
-- writes nothing: PostgreSQL holds a database-wide lock from the commit of a transaction
-- that notifies until it ends, which would serialise every writing commit behind one
-- another's disk flush.
SELECT pg_notify($1::text, p) FROM unnest($2::text[]) AS p
