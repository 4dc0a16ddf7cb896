-- A transaction written from a message without id that had this very body.
SELECT transaction_id
FROM {schema}.ledger_messages
WHERE body_sha256 = $1 AND message_id IS NULL
ORDER BY transaction_id DESC
LIMIT 1
