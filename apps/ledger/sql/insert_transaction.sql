-- One transaction; an unknown provider breaks the foreign key (23503), an amount that is
-- not a number PostgreSQL takes breaks the cast (class 22).
INSERT INTO {schema}.historical_transactions (provider_id, transaction_value)
VALUES ($1, $2::text::numeric)
RETURNING id
