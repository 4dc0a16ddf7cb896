//! [`Postgres`]: the `records` table, and the idempotent writes into it.
//!
//! The table and its indexes are the seed's (SQL in `sql/`, beside this crate): primary
//! key `(sensor_id, record_time)`, BRIN on `record_time`, HASH on `sensor_id`. They are
//! created when missing, under an advisory lock so that consumers starting at once do
//! not race. A chunk is written by one statement, so in one transaction: a binary `COPY`
//! into the table, or, when some of its rows are there already (it is being delivered
//! again), `INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING`, which adds only
//! the rows that are missing. A chunk delivered twice adds nothing the second time.
//!
//! Connections come from a pool (deadpool), one per concurrent consumer. TLS is not
//! supported: the URL's `sslmode` must allow a plain connection.

use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

use crate::chunk::ChunkColumns;
use crate::error::{Result, SensorsError};

/// The PostgreSQL used unless told otherwise.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The schema the table is in unless told otherwise.
pub const DEFAULT_SCHEMA: &str = "public";

const SCHEMA_SQL: &str = include_str!("../sql/schema.sql");
const INSERT_CHUNK_SQL: &str = include_str!("../sql/insert_chunk.sql");
const INSERT_ROW_SQL: &str = include_str!("../sql/insert_row.sql");

/// The `records` table of one schema, through a pool of connections.
#[derive(Clone)]
pub struct Postgres {
    pool: Pool,
    schema: String,
    copy_chunk: String,
    insert_chunk: String,
    insert_row: String,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

/// Checks a schema name: a lower-case SQL identifier (`a-z`, `0-9`, `_`, not starting
/// with a digit, at most 63 characters), so it needs no quoting anyone could get wrong.
///
/// # Errors
///
/// [`SensorsError::InvalidInput`] saying what a schema name may be.
pub fn check_schema(schema: &str) -> Result<()> {
    let ok = !schema.is_empty()
        && schema.len() <= 63
        && !schema.starts_with(|c: char| c.is_ascii_digit())
        && schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(SensorsError::InvalidInput(format!(
            "schema {schema:?} is not 1 to 63 of a-z, 0-9 and _, starting with a letter or _"
        )))
    }
}

/// A driver error as text: PostgreSQL's own message and code when it sent one.
pub(crate) fn describe(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut text = err.to_string();
            let mut source = std::error::Error::source(err);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            text
        }
    }
}

fn pg(context: impl Into<String>, err: &tokio_postgres::Error) -> SensorsError {
    SensorsError::postgres(context, describe(err))
}

impl Postgres {
    /// Connects to `url` with a pool of up to `connections`, makes sure `schema` and its
    /// `records` table and indexes exist, and returns the table.
    ///
    /// # Errors
    ///
    /// [`SensorsError::InvalidInput`] for a malformed URL or schema name;
    /// [`SensorsError::Postgres`] when PostgreSQL cannot be reached or refuses.
    pub async fn connect(url: &str, schema: &str, connections: usize) -> Result<Self> {
        check_schema(schema)?;
        let mut config = tokio_postgres::Config::from_str(url).map_err(|e| {
            SensorsError::InvalidInput(format!(
                "PostgreSQL URL {url:?} is malformed ({e}); expected postgres://USER@HOST:PORT/DB"
            ))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(connections.max(1))
            .build()
            .map_err(|e| SensorsError::postgres("making the connection pool", e.to_string()))?;
        let quoted = format!("\"{schema}\"");
        let table = Self {
            pool,
            schema: schema.to_owned(),
            copy_chunk: format!(
                "COPY {quoted}.records (record_time, sensor_id, value) FROM STDIN (FORMAT binary)"
            ),
            insert_chunk: INSERT_CHUNK_SQL.replace("{schema}", &quoted),
            insert_row: INSERT_ROW_SQL.replace("{schema}", &quoted),
        };
        table.create(&quoted).await?;
        Ok(table)
    }

    /// A connection from the pool.
    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(err) => pg("connecting", &err),
            other => SensorsError::postgres("connecting", other.to_string()),
        })
    }

    async fn create(&self, quoted: &str) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(|e| pg("starting a transaction", &e))?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext('sensors records ' || $1::text))",
            &[&self.schema],
        )
        .await
        .map_err(|e| pg("locking to create the table", &e))?;
        if self.schema != DEFAULT_SCHEMA {
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {quoted}"))
                .await
                .map_err(|e| pg(format!("creating schema {}", self.schema), &e))?;
        }
        tx.batch_execute(&SCHEMA_SQL.replace("{schema}", quoted))
            .await
            .map_err(|e| pg(format!("creating {}.records", self.schema), &e))?;
        tx.commit()
            .await
            .map_err(|e| pg("committing the table", &e))
    }

    /// The schema of the table.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Writes a chunk's rows in one transaction; rows already there are left as they are.
    /// Returns how many rows were new.
    ///
    /// The first try is a binary `COPY` straight into the table, as fast as PostgreSQL
    /// takes rows. A `COPY` is all or nothing, so when a row is there already (the chunk
    /// is being delivered again) it fails whole with a unique violation, and the chunk is
    /// then merged with `INSERT … ON CONFLICT DO NOTHING`. Redeliveries are rare, so
    /// nearly every chunk costs one `COPY`.
    ///
    /// # Errors
    ///
    /// [`SensorsError::Postgres`]; then nothing of the chunk was written.
    pub async fn write_chunk(&self, rows: &ChunkColumns) -> Result<u64> {
        let client = self.client().await?;
        match self.copy_chunk(&client, rows).await {
            Ok(n) => Ok(n),
            Err(err) if err.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                self.merge_chunk(&client, rows).await
            }
            Err(err) => Err(pg(format!("copying {} rows", rows.len()), &err)),
        }
    }

    /// `COPY … FROM STDIN (FORMAT binary)` of the chunk: one statement, one transaction.
    async fn copy_chunk(
        &self,
        client: &deadpool_postgres::Object,
        rows: &ChunkColumns,
    ) -> std::result::Result<u64, tokio_postgres::Error> {
        let sink = client.copy_in(&self.copy_chunk).await?;
        let writer = BinaryCopyInWriter::new(sink, &[Type::TIMESTAMPTZ, Type::TEXT, Type::FLOAT8]);
        futures::pin_mut!(writer);
        for i in 0..rows.len() {
            writer
                .as_mut()
                .write(&[&rows.times[i], &rows.sensors[i], &rows.values[i]])
                .await?;
        }
        writer.finish().await
    }

    /// The chunk as one `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`.
    async fn merge_chunk(
        &self,
        client: &deadpool_postgres::Object,
        rows: &ChunkColumns,
    ) -> Result<u64> {
        let statement = client
            .prepare_cached(&self.insert_chunk)
            .await
            .map_err(|e| pg("preparing the chunk insert", &e))?;
        client
            .execute(&statement, &[&rows.times, &rows.sensors, &rows.values])
            .await
            .map_err(|e| pg(format!("merging {} rows", rows.len()), &e))
    }

    /// Writes one row with its own `INSERT` (the seed's way). Returns whether it was new.
    ///
    /// # Errors
    ///
    /// [`SensorsError::Postgres`].
    pub async fn write_row(
        &self,
        time: &chrono::DateTime<chrono::Utc>,
        sensor: &str,
        value: f64,
    ) -> Result<bool> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&self.insert_row)
            .await
            .map_err(|e| pg("preparing the row insert", &e))?;
        let n = client
            .execute(&statement, &[time, &sensor, &value])
            .await
            .map_err(|e| pg("writing a row", &e))?;
        Ok(n == 1)
    }

    /// How many rows the table has.
    ///
    /// # Errors
    ///
    /// [`SensorsError::Postgres`].
    pub async fn count(&self) -> Result<u64> {
        let client = self.client().await?;
        let row = client
            .query_one(
                &format!("SELECT count(*) FROM \"{}\".records", self.schema),
                &[],
            )
            .await
            .map_err(|e| pg("counting rows", &e))?;
        Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
    }

    /// Drops the schema and everything in it (for tests and the benchmark's scratch
    /// schemas). Refuses `public`.
    ///
    /// # Errors
    ///
    /// [`SensorsError::InvalidInput`] for `public`; [`SensorsError::Postgres`].
    pub async fn drop_schema(&self) -> Result<()> {
        if self.schema == DEFAULT_SCHEMA {
            return Err(SensorsError::InvalidInput(
                "refusing to drop the public schema".into(),
            ));
        }
        let client = self.client().await?;
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
                self.schema
            ))
            .await
            .map_err(|e| pg(format!("dropping schema {}", self.schema), &e))
    }

    /// A connection from the pool, for callers that run their own statements (the
    /// benchmark's `COPY`).
    ///
    /// # Errors
    ///
    /// [`SensorsError::Postgres`].
    pub async fn connection(&self) -> Result<deadpool_postgres::Object> {
        self.client().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_plain_identifiers() {
        for ok in ["public", "sensors_test_1", "_x"] {
            check_schema(ok).unwrap();
        }
        for bad in ["", "1x", "A", "a-b", "a\"b", &"x".repeat(64)] {
            assert!(check_schema(bad).is_err(), "{bad}");
        }
    }
}
