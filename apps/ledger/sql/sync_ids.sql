-- After rows were inserted with explicit ids: the next generated id follows the largest.
SELECT setval(
    pg_get_serial_sequence('{schema}.historical_transactions', 'id'),
    (SELECT max(id) FROM {schema}.historical_transactions)
)
