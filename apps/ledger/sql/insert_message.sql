-- The message that carried a transaction. No row back: a message with this id was written
-- before, and the transaction is rolled back.
INSERT INTO {schema}.ledger_messages (transaction_id, message_id, body_sha256)
VALUES ($1, $2, $3)
ON CONFLICT (message_id) DO NOTHING
RETURNING transaction_id
