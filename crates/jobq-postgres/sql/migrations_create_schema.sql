-- Run only when the schema is missing, so that a database user without the right to create
-- schemas can use one made for it.
CREATE SCHEMA {schema}
