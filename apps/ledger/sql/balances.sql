-- Every provider's balance, in one query: its initial value plus the sum of its
-- transactions (as text, so that numeric amounts reach Redis exactly).
SELECT d.id, d.provider_name, (d.initial_value + COALESCE(t.total, 0))::text AS balance
FROM {schema}.initial_data AS d
LEFT JOIN (
    SELECT provider_id, sum(transaction_value) AS total
    FROM {schema}.historical_transactions
    GROUP BY provider_id
) AS t ON t.provider_id = d.id
ORDER BY d.id
