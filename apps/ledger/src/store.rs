//! [`Store`]: the ledger's tables in PostgreSQL — setting them up, writing a transaction
//! exactly once, and reading every balance in one query.
//!
//! The statements are in `sql/`, beside this crate, with `{schema}` standing for the
//! (quoted) schema name.

use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use crate::error::{LedgerError, Result, describe_postgres};
use crate::message::{MessageKey, Transaction};

/// The statements, for one schema.
#[derive(Debug)]
struct Sql {
    setup: String,
    seed_providers: String,
    seed_transactions: String,
    sync_ids: String,
    insert_transaction: String,
    insert_message: String,
    find_message: String,
    find_body: String,
    balances: String,
}

impl Sql {
    fn new(schema: &str) -> Self {
        let quoted = format!("\"{schema}\"");
        let s = |text: &str| text.replace("{schema}", &quoted);
        Self {
            setup: s(include_str!("../sql/setup.sql")),
            seed_providers: s(include_str!("../sql/seed_providers.sql")),
            seed_transactions: s(include_str!("../sql/seed_transactions.sql")),
            sync_ids: s(include_str!("../sql/sync_ids.sql")),
            insert_transaction: s(include_str!("../sql/insert_transaction.sql")),
            insert_message: s(include_str!("../sql/insert_message.sql")),
            find_message: s(include_str!("../sql/find_message.sql")),
            find_body: s(include_str!("../sql/find_body.sql")),
            balances: s(include_str!("../sql/balances.sql")),
        }
    }
}

/// What `ledger setup` added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetupReport {
    /// Seed providers added to `initial_data` (0 when they were there).
    pub providers_added: u64,
    /// Seed transactions added to `historical_transactions` (0 when they were there).
    pub transactions_added: u64,
}

/// What became of a message's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Committed as this new row of `historical_transactions`.
    Written {
        /// Its id.
        transaction_id: i64,
    },
    /// A message with this id was written before, as this transaction: nothing was added.
    Duplicate {
        /// The transaction written the first time.
        transaction_id: i64,
    },
    /// A message without id that may have been written before: it came again
    /// (redelivered, or the outcome of an earlier try is unknown) and a transaction from a
    /// message with the very same body exists. Nothing was added; it is not safe to tell
    /// a second copy from a new transaction with the same content.
    PossibleDuplicate {
        /// The transaction written from the same body.
        transaction_id: i64,
    },
    /// PostgreSQL refused the transaction for what it says (an unknown provider, an
    /// amount out of range): nothing was added, and trying again would not help.
    Refused(String),
}

/// A provider's balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    /// The provider's id.
    pub id: i32,
    /// Its name.
    pub provider_name: String,
    /// `initial_value + sum(transaction_value)`, exactly, as text.
    pub balance: String,
}

/// The ledger's tables in one PostgreSQL schema, through a small pool of connections that
/// reconnects by itself: a connection found broken is dropped and a new one opened.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    config: tokio_postgres::Config,
    sql: std::sync::Arc<Sql>,
    schema: String,
    target: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("target", &self.target)
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// A store for the database `url` names and the tables in `schema`. No connection is
    /// opened yet.
    ///
    /// # Errors
    ///
    /// [`LedgerError::InvalidInput`] for a URL the driver cannot read.
    pub fn new(url: &str, schema: &str) -> Result<Self> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| LedgerError::invalid(format!("--postgres URL: {e}")))?;
        if config.get_application_name().is_none() {
            config.application_name("ledger");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        let target = target(&config);
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(4)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(10)))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| LedgerError::invalid(format!("--postgres URL: {e}")))?;
        Ok(Self {
            pool,
            config,
            sql: std::sync::Arc::new(Sql::new(schema)),
            schema: schema.to_owned(),
            target,
        })
    }

    /// Where the database is, for messages: `HOST:PORT/DATABASE` (never the password).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The schema of the tables.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The driver's settings, for a connection of one's own (the standby lock's).
    pub(crate) fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }

    async fn conn(&self, what: &str) -> Result<Object> {
        self.pool.get().await.map_err(|e| {
            let message = match e {
                deadpool_postgres::PoolError::Backend(err) => describe_postgres(&err),
                other => other.to_string(),
            };
            LedgerError::Postgres {
                context: format!("{what} in {}: cannot connect", self.target),
                message,
            }
        })
    }

    fn err(&self, what: &str) -> impl Fn(tokio_postgres::Error) -> LedgerError + '_ {
        let context = format!("{what} in {}", self.target);
        move |e| LedgerError::postgres(context.clone(), &e)
    }

    /// Creates the schema, the tables and the seed's sample rows, adding only what is
    /// missing: running it again changes nothing.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Postgres`] when the database cannot be reached or refuses.
    pub async fn setup(&self) -> Result<SetupReport> {
        let what = "setting up the ledger's tables";
        let mut conn = self.conn(what).await?;
        let err = self.err(what);
        let tx = conn.transaction().await.map_err(&err)?;
        tx.execute(include_str!("../sql/lock_setup.sql"), &[&self.schema])
            .await
            .map_err(&err)?;
        tx.batch_execute(&self.sql.setup).await.map_err(&err)?;
        let providers_added = tx
            .execute(&self.sql.seed_providers, &[])
            .await
            .map_err(&err)?;
        let transactions_added = tx
            .execute(&self.sql.seed_transactions, &[])
            .await
            .map_err(&err)?;
        if transactions_added > 0 {
            tx.query_one(&self.sql.sync_ids, &[]).await.map_err(&err)?;
        }
        tx.commit().await.map_err(&err)?;
        Ok(SetupReport {
            providers_added,
            transactions_added,
        })
    }

    /// Checks that the ledger's tables exist.
    ///
    /// # Errors
    ///
    /// [`LedgerError::InvalidInput`] naming the missing tables (run `ledger setup`);
    /// [`LedgerError::Postgres`] when the database cannot be reached.
    pub async fn check(&self) -> Result<()> {
        let what = "looking for the ledger's tables";
        let conn = self.conn(what).await?;
        let rows = conn
            .query(include_str!("../sql/check.sql"), &[&self.schema])
            .await
            .map_err(self.err(what))?;
        if rows.is_empty() {
            return Ok(());
        }
        let missing: Vec<String> = rows.iter().map(|r| r.get::<_, String>(0)).collect();
        Err(LedgerError::invalid(format!(
            "schema {:?} of {} has no table {}: run `ledger setup` first",
            self.schema,
            self.target,
            missing.join(", ")
        )))
    }

    /// Writes the transaction a message carries, once: in one PostgreSQL transaction, the
    /// row of `historical_transactions` and the message's row of `ledger_messages`, whose
    /// unique message id refuses a second copy.
    ///
    /// `maybe_written` says the message may have been written before: it was redelivered,
    /// or an earlier try's outcome is unknown. It only matters for a message without id.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Postgres`] when the database cannot be reached or fails in a way
    /// that may pass (a restart, a lost connection): nothing was written, or — when the
    /// connection was lost during the commit — the outcome is unknown, and the caller
    /// tries again with `maybe_written`.
    pub async fn record(
        &self,
        transaction: &Transaction,
        key: &MessageKey,
        maybe_written: bool,
    ) -> Result<Recorded> {
        let what = "writing a transaction";
        let mut conn = self.conn(what).await?;
        let err = self.err(what);
        if key.message_id.is_none() && maybe_written {
            let found = conn
                .query_opt(&self.sql.find_body, &[&key.body_sha256])
                .await
                .map_err(&err)?;
            if let Some(row) = found {
                return Ok(Recorded::PossibleDuplicate {
                    transaction_id: row.get(0),
                });
            }
        }
        if let Some(id) = &key.message_id {
            // The usual duplicate, found without writing (the unique constraint below
            // still decides a race).
            let found = conn
                .query_opt(&self.sql.find_message, &[id])
                .await
                .map_err(&err)?;
            if let Some(row) = found {
                return Ok(Recorded::Duplicate {
                    transaction_id: row.get(0),
                });
            }
        }
        let tx = conn.transaction().await.map_err(&err)?;
        let inserted = tx
            .query_opt(
                &self.sql.insert_transaction,
                &[&transaction.provider_id, &transaction.value],
            )
            .await;
        let transaction_id: i64 = match inserted {
            Ok(Some(row)) => row.get(0),
            Ok(None) => return Ok(Recorded::Refused(unknown_provider(transaction))),
            Err(e) => {
                return match refusal(&e, transaction) {
                    Some(reason) => Ok(Recorded::Refused(reason)),
                    None => Err(err(e)),
                };
            }
        };
        let claimed = tx
            .query_opt(
                &self.sql.insert_message,
                &[&transaction_id, &key.message_id, &key.body_sha256],
            )
            .await
            .map_err(&err)?;
        if claimed.is_none() {
            tx.rollback().await.map_err(&err)?;
            let row = conn
                .query_one(&self.sql.find_message, &[&key.message_id])
                .await
                .map_err(&err)?;
            return Ok(Recorded::Duplicate {
                transaction_id: row.get(0),
            });
        }
        tx.commit().await.map_err(&err)?;
        Ok(Recorded::Written { transaction_id })
    }

    /// Every provider's balance, `initial_value + sum(transaction_value)`, in one query.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Postgres`] when the database cannot be reached or refuses.
    pub async fn balances(&self) -> Result<Vec<Balance>> {
        let what = "computing the balances";
        let conn = self.conn(what).await?;
        let rows = conn
            .query(&self.sql.balances, &[])
            .await
            .map_err(self.err(what))?;
        Ok(rows
            .iter()
            .map(|row| Balance {
                id: row.get(0),
                provider_name: row.get(1),
                balance: row.get(2),
            })
            .collect())
    }
}

/// The reason PostgreSQL refused a transaction for what it says, or `None` when the error
/// is about the database (a lost connection, a restart) and may pass.
fn refusal(err: &tokio_postgres::Error, transaction: &Transaction) -> Option<String> {
    let db = err.as_db_error()?;
    let code = db.code().code();
    if code == "23503" {
        Some(unknown_provider(transaction))
    } else if code.starts_with("22") {
        Some(format!(
            "value {} refused by PostgreSQL: {}",
            transaction.value,
            db.message()
        ))
    } else {
        None
    }
}

/// The reason for a transaction of a provider `initial_data` does not have.
fn unknown_provider(transaction: &Transaction) -> String {
    format!(
        "unknown provider: initial_data has no id {}",
        transaction.provider_id
    )
}

/// `HOST:PORT/DATABASE` of a driver configuration.
fn target(config: &tokio_postgres::Config) -> String {
    use tokio_postgres::config::Host;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("{host}:{port}/{db}")
}
