-- Sends $2 on channel $1 (the start-up self-check of notifications).
SELECT pg_notify($1::text, $2::text)
