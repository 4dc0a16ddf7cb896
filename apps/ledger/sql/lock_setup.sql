-- Serialises `ledger setup` runs on one schema until the transaction ends. The key is
-- ('ledg' as an integer, a hash of the schema's name).
SELECT pg_advisory_xact_lock(1818584167, hashtext($1::text))
