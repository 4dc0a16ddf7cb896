INSERT INTO {schema}.migrations (version, applied_at) VALUES ($1::bigint, $2::timestamptz)
