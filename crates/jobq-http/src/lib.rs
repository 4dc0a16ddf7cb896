//! The HTTP client backend of jobq: a jobq server's queue (`jobq serve`) behind the one
//! [`Queue`](jobq_core::Queue) trait, so programs, the command line and the worker runtime
//! use a remote queue exactly as a local one. `jobq::connect("http://HOST:PORT")` opens
//! one.
//!
//! Every call is one request of the HTTP API (SPEC section 5, plus the routes the trait
//! needs beyond it: `/v1/submit`, `/v1/settle`, `/v1/resubmit`, `/v1/cancel`,
//! `/v1/purge`), and every refusal comes back as the same [`Error`](jobq_core::Error)
//! variant, with the same details, as from a local store: the server sends them in its
//! JSON errors. The whole conformance suite runs through this client against a real
//! server.
//!
//! # Layout
//!
//! - [`options`]: [`HttpOptions`], from code or from an `http://` URL (the token from the
//!   URL or `JOBQ_TOKEN`).
//! - `queue`: [`HttpQueue`], the `Queue` implementation.
//! - `client`: one JSON request and answer, and the server's errors turned back into
//!   jobq's.
//!
//! # Known limits
//!
//! - Plain HTTP only: `https://` is refused. Reach the server over a private network or a
//!   tunnel; TLS would add a TLS stack to every jobq build.
//! - A call whose answer is lost (the connection drops after the server acted) has an
//!   unknown outcome, as with any remote store; calls are not retried. Submitting with
//!   chosen ids makes a retry by the caller safe.
//! - A waiting take is a long poll of at most 50 s per request, repeated until its wait is
//!   over.

mod client;
pub mod options;
mod queue;

pub use options::{HttpOptions, TOKEN_ENV};
pub use queue::HttpQueue;
