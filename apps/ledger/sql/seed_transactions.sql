-- The seed's three transactions; rows that exist already are left as they are.
INSERT INTO {schema}.historical_transactions (id, provider_id, transaction_value)
VALUES (1, 1, 100), (2, 1, 200), (3, 2, -200)
ON CONFLICT (id) DO NOTHING
