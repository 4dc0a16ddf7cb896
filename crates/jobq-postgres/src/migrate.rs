//! The schema, in numbered migrations embedded in the binary, applied on first use.
//!
//! Applied versions are recorded in the schema's own `migrations` table. Several processes
//! may open a new store at once: each that finds the schema behind takes a transaction-level
//! advisory lock keyed on the schema's name, checks the version again under it, and applies
//! what is missing in that same transaction, so exactly one applies each migration and a
//! failed migration leaves nothing behind (PostgreSQL's DDL is transactional).

use jobq_core::{Error, Result};

use crate::db::Db;
use crate::sql::{quote, render};

/// Every migration, in order: (version, SQL).
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../sql/migrations/0001_init.sql")),
    (2, include_str!("../sql/migrations/0002_schedules.sql")),
];

fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |(v, _)| *v)
}

/// Brings the schema up to date.
///
/// # Errors
///
/// [`Error::Backend`] when PostgreSQL cannot be reached, refuses the DDL (for example for
/// want of privileges), or the schema was made by a newer jobq.
pub(crate) async fn migrate(db: &Db) -> Result<()> {
    let what = "preparing the jobq schema";
    let err = db.write_err(what);
    let mut conn = db.conn(what).await?;
    let current = applied(db, &conn).await?;
    check_not_newer(db, current)?;
    if current == latest() {
        return Ok(());
    }
    let tx = conn.transaction().await.map_err(&err)?;
    tx.execute(&db.sql.migrations_lock, &[&db.opts.schema])
        .await
        .map_err(&err)?;
    let exists: bool = tx
        .query_one(&db.sql.migrations_schema_exists, &[&db.opts.schema])
        .await
        .and_then(|row| row.try_get(0))
        .map_err(&err)?;
    if !exists {
        tx.batch_execute(&db.sql.migrations_create_schema)
            .await
            .map_err(&err)?;
    }
    tx.batch_execute(&db.sql.migrations_create)
        .await
        .map_err(&err)?;
    let current = applied(db, &tx).await?;
    check_not_newer(db, current)?;
    let (_, now) = db.now()?;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(&render(sql, &db.opts.schema))
            .await
            .map_err(db.write_err(&format!("{what} (migration {version})")))?;
        tx.execute(&db.sql.migrations_record, &[version, &now])
            .await
            .map_err(&err)?;
    }
    tx.commit().await.map_err(&err)?;
    Ok(())
}

/// The version applied, 0 for none.
async fn applied(db: &Db, client: &impl deadpool_postgres::GenericClient) -> Result<i64> {
    let err = db.read_err("reading the jobq schema version");
    let table = format!("{}.migrations", quote(&db.opts.schema));
    let exists: bool = client
        .query_one(&db.sql.migrations_exists, &[&table])
        .await
        .and_then(|row| row.try_get(0))
        .map_err(&err)?;
    if !exists {
        return Ok(0);
    }
    client
        .query_one(&db.sql.migrations_version, &[])
        .await
        .and_then(|row| row.try_get(0))
        .map_err(&err)
}

fn check_not_newer(db: &Db, current: i64) -> Result<()> {
    if current > latest() {
        return Err(Error::backend(
            format!("opening {}", db.target),
            crate::error::Cause(format!(
                "the schema has jobq schema version {current}, newer than this jobq knows \
                 ({}); upgrade jobq",
                latest()
            )),
        ));
    }
    Ok(())
}
