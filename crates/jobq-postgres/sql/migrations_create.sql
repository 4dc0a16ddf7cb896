CREATE TABLE IF NOT EXISTS {schema}.migrations (
    version    bigint      PRIMARY KEY,
    applied_at timestamptz NOT NULL
)
