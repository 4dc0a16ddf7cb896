-- Whether the schema's migration table exists ($1: its qualified name).
SELECT to_regclass($1::text) IS NOT NULL
