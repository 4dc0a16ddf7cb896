-- The records table of seed 003, in the schema {schema}. Run in one transaction under an
-- advisory lock, so consumers starting together do not race to create it.
CREATE TABLE IF NOT EXISTS {schema}.records (
    record_time timestamptz      NOT NULL,
    sensor_id   text             NOT NULL,
    value       double precision NOT NULL,
    PRIMARY KEY (sensor_id, record_time)
);
-- Readings arrive in time order, so a BRIN index on time stays small and useful.
CREATE INDEX IF NOT EXISTS records_record_time_brin ON {schema}.records USING brin (record_time);
-- Sensors are looked up by equality only, which a HASH index serves.
CREATE INDEX IF NOT EXISTS records_sensor_id_hash ON {schema}.records USING hash (sensor_id);
