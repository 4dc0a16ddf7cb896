-- A chunk delivered again, in one statement (so one transaction): its columns as three
-- arrays. A row whose (sensor_id, record_time) is there already, from an earlier delivery
-- of this chunk or from anywhere else, is left as it is.
INSERT INTO {schema}.records (record_time, sensor_id, value)
SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::float8[])
ON CONFLICT DO NOTHING
