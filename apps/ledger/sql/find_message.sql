-- The transaction a message id was written as.
SELECT transaction_id FROM {schema}.ledger_messages WHERE message_id = $1
