//! ledger: the transactions pipeline of seed 002, built on jobq.
//!
//! Transactions arrive on the RabbitMQ queue `incoming_transactions` as
//! `{"id": PROVIDER_ID, "value": AMOUNT}`. The ledger writes each to the PostgreSQL table
//! `historical_transactions` and acknowledges the message only after the commit. At every
//! minute boundary it sets, for each provider of `initial_data`, the Redis key
//! `{id}_{provider_name}` to `initial_value + sum(transaction_value)`.
//!
//! - **Exactly one row per message.** Each written message leaves its AMQP message id in
//!   `ledger_messages`, under a unique constraint, in the same PostgreSQL transaction as
//!   its row; a message that comes again (redelivered after a crash between the commit and
//!   the acknowledgement) adds nothing. A message without id is recognised by the hash of
//!   its body, and only when it may be a second copy (see [`store::Recorded`]).
//! - **Nothing malformed is lost.** A message that is not a transaction goes to the
//!   dead-letter queue `incoming_transactions.dead-letter` with the reason in a header,
//!   confirmed by the broker before the original is acknowledged.
//! - **The tick is a jobq periodic job** ([`balances`]): its `run_at` is the minute
//!   boundary, so it runs on time wherever it was submitted from, once.
//! - **One active instance** ([`leader`]): a PostgreSQL session advisory lock; other
//!   instances wait as standby and take over within seconds of the active one's death.
//! - **Reconnects**: to RabbitMQ, PostgreSQL and Redis, each with back-off ([`backoff`]).
//!
//! # Layout
//!
//! - [`config`]: [`Settings`], the services' URLs and the names of tables, queues, keys.
//! - [`message`]: what a message says ([`message::Transaction`]), and its key.
//! - [`store`]: [`Store`], the tables: setup, writing once, the balances query; SQL in
//!   `sql/`.
//! - [`amqp`]: RabbitMQ: connecting, declaring, publishing with confirms, dead letters.
//! - [`consumer`]: the consume loop: write, then acknowledge; dead-letter the malformed.
//! - [`balances`]: the tick's schedule and its handler (one query, one `MULTI`).
//! - [`leader`]: the advisory lock that makes one instance active.
//! - [`run`]: `ledger run`: scheduler, standby, and the active instance's tasks.
//! - [`publisher`]: `ledger publish` and `ledger setup`.
//! - [`backoff`]: pauses between tries.
//! - [`error`]: [`LedgerError`], the app's one error type.

pub mod amqp;
pub mod backoff;
pub mod balances;
pub mod config;
pub mod consumer;
pub mod error;
pub mod leader;
pub mod message;
pub mod publisher;
pub mod run;
pub mod store;

pub use config::Settings;
pub use error::{LedgerError, Result};
pub use store::Store;
