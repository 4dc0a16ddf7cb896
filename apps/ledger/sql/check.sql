-- Which of the ledger's tables are missing from the schema.
SELECT t
FROM unnest(ARRAY['initial_data', 'historical_transactions', 'ledger_messages']) AS t
WHERE to_regclass(format('%I.%I', $1::text, t)) IS NULL
