//! ledger: the transactions pipeline of seed 002, built on jobq.
//!
//! Transactions arrive on the RabbitMQ queue `incoming_transactions` as
//! `{"id": PROVIDER_ID, "value": AMOUNT}`; the ledger writes each to PostgreSQL and sets
//! every provider's balance in Redis at every minute.
//!
//! # Layout
//!
//! - [`config`]: [`Settings`], the services' URLs and the names of tables, queues, keys.
//! - [`message`]: what a message says ([`message::Transaction`]), and its key.
//! - [`store`]: [`Store`], the tables: setup, writing once, the balances query; SQL in
//!   `sql/`.
//! - [`amqp`]: RabbitMQ: connecting, declaring, publishing with confirms, dead letters.
//! - [`consumer`]: the consume loop: write, then acknowledge; dead-letter the malformed.
//! - [`publisher`]: `ledger publish` and `ledger setup`.
//! - [`backoff`]: pauses between tries.
//! - [`error`]: [`LedgerError`], the app's one error type.

pub mod amqp;
pub mod backoff;
pub mod config;
pub mod consumer;
pub mod error;
pub mod message;
pub mod publisher;
pub mod store;

pub use config::Settings;
pub use error::{LedgerError, Result};
pub use store::Store;
