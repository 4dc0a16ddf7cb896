-- One row, as the seed's consumers write them (used by the benchmark's "seed's way").
INSERT INTO {schema}.records (record_time, sensor_id, value) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING
