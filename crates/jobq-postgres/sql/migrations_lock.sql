-- Serialises every process migrating this schema, until the transaction ends. The key is
-- ('jobq' as an integer, a hash of the schema's name).
SELECT pg_advisory_xact_lock(1785692785, hashtext($1::text))
