//! [`Settings`]: where the services are and what the ledger's things are called in them.
//!
//! The defaults are the seed's exact names (tables `initial_data` and
//! `historical_transactions` in schema `public`, queue `incoming_transactions`, Redis keys
//! `{id}_{provider_name}`). The schema, the queue and the key prefix can be changed so that
//! several ledgers (or tests) share one set of services without seeing each other.

use crate::error::{LedgerError, Result};

/// The local RabbitMQ.
pub const DEFAULT_AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
/// The local PostgreSQL.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// The local Redis.
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";
/// The seed's queue.
pub const DEFAULT_QUEUE: &str = "incoming_transactions";
/// The PostgreSQL schema of the seed's tables.
pub const DEFAULT_SCHEMA: &str = "public";
/// The jobq schema used with the default PostgreSQL schema.
pub const DEFAULT_JOBQ_SCHEMA: &str = "ledger_jobq";

/// The longest schema name: jobq's schema is `{schema}_jobq`, and jobq takes 50 characters.
const MAX_SCHEMA_CHARS: usize = 45;

/// The longest queue name, so that the dead-letter queue's name fits AMQP's 255 bytes.
const MAX_QUEUE_BYTES: usize = 200;

/// The longest Redis key prefix.
const MAX_PREFIX_BYTES: usize = 200;

/// Where the services are, and the names of the ledger's tables, queues and keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// RabbitMQ, `amqp://USER:PASSWORD@HOST:PORT/VHOST`.
    pub amqp_url: String,
    /// PostgreSQL, `postgres://USER@HOST:PORT/DATABASE`.
    pub postgres_url: String,
    /// Redis, `redis://HOST:PORT`.
    pub redis_url: String,
    /// The jobq store that holds the minute tick's schedule and jobs.
    pub jobq_url: String,
    /// The PostgreSQL schema of `initial_data` and `historical_transactions`.
    pub schema: String,
    /// The queue the transactions arrive on.
    pub queue: String,
    /// Put before every Redis key (empty: the seed's keys, `1_Visa`).
    pub redis_prefix: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self::new(
            DEFAULT_AMQP_URL,
            DEFAULT_POSTGRES_URL,
            DEFAULT_REDIS_URL,
            None,
            DEFAULT_SCHEMA,
            DEFAULT_QUEUE,
            "",
        )
        .unwrap_or_else(|_| unreachable!("the defaults are valid"))
    }
}

impl Settings {
    /// Settings from the command line's values: `jobq_url` defaults to a jobq schema in the
    /// same PostgreSQL database ([`default_jobq_url`]).
    ///
    /// # Errors
    ///
    /// [`LedgerError::InvalidInput`] naming the schema, queue name or prefix that is not
    /// allowed, and why.
    pub fn new(
        amqp_url: &str,
        postgres_url: &str,
        redis_url: &str,
        jobq_url: Option<&str>,
        schema: &str,
        queue: &str,
        redis_prefix: &str,
    ) -> Result<Self> {
        check_schema(schema)?;
        check_queue(queue)?;
        if redis_prefix.len() > MAX_PREFIX_BYTES {
            return Err(LedgerError::invalid(format!(
                "--redis-prefix is {} bytes long; at most {MAX_PREFIX_BYTES}",
                redis_prefix.len()
            )));
        }
        let jobq_url = match jobq_url {
            Some(url) => url.to_owned(),
            None => default_jobq_url(postgres_url, schema),
        };
        Ok(Self {
            amqp_url: amqp_url.to_owned(),
            postgres_url: postgres_url.to_owned(),
            redis_url: redis_url.to_owned(),
            jobq_url,
            schema: schema.to_owned(),
            queue: queue.to_owned(),
            redis_prefix: redis_prefix.to_owned(),
        })
    }

    /// The queue malformed messages go to: `{queue}.dead-letter`.
    pub fn dead_letter_queue(&self) -> String {
        format!("{}.dead-letter", self.queue)
    }

    /// The Redis key of a provider: `{prefix}{id}_{provider_name}`.
    pub fn balance_key(&self, id: i32, provider_name: &str) -> String {
        format!("{}{id}_{provider_name}", self.redis_prefix)
    }
}

/// The jobq store used when none is given: the ledger's own PostgreSQL database, in schema
/// `ledger_jobq` (or `{schema}_jobq` for a ledger in another schema than `public`).
///
/// The ledger depends on PostgreSQL already, and its instances may run on several
/// machines: a store in the same database needs no other service and is shared by all.
pub fn default_jobq_url(postgres_url: &str, schema: &str) -> String {
    let jobq_schema = if schema == DEFAULT_SCHEMA {
        DEFAULT_JOBQ_SCHEMA.to_owned()
    } else {
        format!("{schema}_jobq")
    };
    let sep = if postgres_url.contains('?') { '&' } else { '?' };
    format!("{postgres_url}{sep}schema={jobq_schema}")
}

/// A schema name: 1 to 45 characters of `a-z 0-9 _`, not starting with a digit.
fn check_schema(schema: &str) -> Result<()> {
    let ok = !schema.is_empty()
        && schema.chars().count() <= MAX_SCHEMA_CHARS
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !schema.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(LedgerError::invalid(format!(
            "--schema {schema:?} is not allowed; a schema name is 1 to {MAX_SCHEMA_CHARS} \
             characters of a-z, 0-9 and _, not starting with a digit"
        )))
    }
}

/// A queue name: 1 to 200 bytes of printable ASCII, not starting with `amq.` (reserved).
fn check_queue(queue: &str) -> Result<()> {
    let ok = !queue.is_empty()
        && queue.len() <= MAX_QUEUE_BYTES
        && queue.bytes().all(|b| b.is_ascii_graphic())
        && !queue.starts_with("amq.");
    if ok {
        Ok(())
    } else {
        Err(LedgerError::invalid(format!(
            "--queue {queue:?} is not allowed; a queue name is 1 to {MAX_QUEUE_BYTES} \
             printable ASCII characters without spaces, not starting with \"amq.\""
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_seeds_names() {
        let s = Settings::default();
        assert_eq!(s.queue, "incoming_transactions");
        assert_eq!(s.dead_letter_queue(), "incoming_transactions.dead-letter");
        assert_eq!(s.balance_key(1, "Visa"), "1_Visa");
        assert_eq!(
            s.jobq_url,
            "postgres://postgres@127.0.0.1:5432/test?schema=ledger_jobq"
        );
    }

    #[test]
    fn the_jobq_schema_follows_the_ledgers() {
        assert_eq!(
            default_jobq_url("postgres://u@h/db?connect_timeout=5", "books"),
            "postgres://u@h/db?connect_timeout=5&schema=books_jobq"
        );
        let s = Settings::new(
            "a",
            "postgres://u@h/db",
            "r",
            Some("sqlite:x.db"),
            "t1",
            "q",
            "p:",
        )
        .unwrap();
        assert_eq!(s.jobq_url, "sqlite:x.db");
        assert_eq!(s.balance_key(2, "Mastercard"), "p:2_Mastercard");
    }

    #[test]
    fn bad_names_are_refused_by_name() {
        let new = |schema: &str, queue: &str| Settings::new("a", "p", "r", None, schema, queue, "");
        for schema in ["", "Public", "1abc", "a-b", &"s".repeat(46)] {
            let err = new(schema, "q").unwrap_err().to_string();
            assert!(err.starts_with("--schema"), "{schema}: {err}");
        }
        for queue in ["", "a b", "amq.x", &"q".repeat(201)] {
            let err = new("public", queue).unwrap_err().to_string();
            assert!(err.starts_with("--queue"), "{queue}: {err}");
        }
    }
}
