-- The seed's providers; rows that exist already are left as they are.
INSERT INTO {schema}.initial_data (id, provider_name, initial_value)
VALUES (1, 'Visa', 1000), (2, 'Mastercard', 2000)
ON CONFLICT (id) DO NOTHING
