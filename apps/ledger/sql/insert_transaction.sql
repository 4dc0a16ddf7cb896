-- One transaction, when its provider exists (no row back otherwise, and no id used up).
-- An amount PostgreSQL cannot take as numeric breaks the cast (class 22).
INSERT INTO {schema}.historical_transactions (provider_id, transaction_value)
SELECT $1, $2::text::numeric
WHERE EXISTS (SELECT 1 FROM {schema}.initial_data WHERE id = $1)
RETURNING id
