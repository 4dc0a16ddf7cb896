//! The services tests need (PostgreSQL, Redis, RabbitMQ), found where DEVELOPERS.md says:
//! a URL from the environment or the local default. A test asks [`reachable`] first: when
//! the service cannot be reached it prints a loud `SKIPPED: … unreachable at URL` line and
//! gets `None` (so it passes without running), except under `CI=true`, where it fails.

use std::io::Write as _;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// A service some tests need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// PostgreSQL: `JOBQ_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`.
    Postgres,
    /// Redis: `JOBQ_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`.
    Redis,
    /// RabbitMQ: `JOBQ_TEST_AMQP_URL`, default `amqp://guest:guest@127.0.0.1:5672/%2f`.
    RabbitMq,
}

impl Service {
    /// Its name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Service::Postgres => "PostgreSQL",
            Service::Redis => "Redis",
            Service::RabbitMq => "RabbitMQ",
        }
    }

    /// The environment variable that overrides its URL.
    pub fn env_var(self) -> &'static str {
        match self {
            Service::Postgres => "JOBQ_TEST_POSTGRES_URL",
            Service::Redis => "JOBQ_TEST_REDIS_URL",
            Service::RabbitMq => "JOBQ_TEST_AMQP_URL",
        }
    }

    /// Its URL: from the environment, else the local default.
    pub fn url(self) -> String {
        std::env::var(self.env_var()).unwrap_or_else(|_| {
            match self {
                Service::Postgres => "postgres://postgres@127.0.0.1:5432/test",
                Service::Redis => "redis://127.0.0.1:6379",
                Service::RabbitMq => "amqp://guest:guest@127.0.0.1:5672/%2f",
            }
            .to_owned()
        })
    }
}

/// Whether this is CI, where a missing service is a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The service's URL when something answers at its host and port; otherwise a loud skip
/// line (once per test binary and service) and `None`.
///
/// # Panics
///
/// When the service cannot be reached and `CI=true`.
pub fn reachable(service: Service) -> Option<String> {
    let url = service.url();
    match probe(&url) {
        Ok(()) => Some(url),
        Err(why) => {
            skip(&format!("{} unreachable at {url} ({why})", service.name()));
            None
        }
    }
}

/// Says loudly that tests needing `what` are skipped, once per test binary and reason,
/// straight to standard error (past the harness's capture).
///
/// # Panics
///
/// Under `CI=true`, where nothing may be skipped.
pub fn skip(what: &str) {
    static SAID: Mutex<Vec<String>> = Mutex::new(Vec::new());
    assert!(!in_ci(), "{what}, and CI=true: this test must run in CI");
    let mut said = SAID.lock().unwrap_or_else(PoisonError::into_inner);
    if !said.iter().any(|s| s == what) {
        said.push(what.to_owned());
        let _ = writeln!(
            std::io::stderr(),
            "\nSKIPPED: {what}; the tests that need it pass without running\n"
        );
    }
}

/// Connects to the host and port of `url` (`scheme://[user[:pass]@]host[:port]/…`).
fn probe(url: &str) -> Result<(), String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let default_port = match url.split_once("://").map(|(s, _)| s) {
        Some("postgres" | "postgresql") => 5432,
        Some("redis") => 6379,
        Some("amqp") => 5672,
        _ => return Err(format!("cannot tell the port of {url}")),
    };
    let address = if host_port
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        host_port.to_owned()
    } else {
        format!("{host_port}:{default_port}")
    };
    let addrs: Vec<_> = address
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {address}: {e}"))?
        .collect();
    let mut last = String::from("no address");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            Ok(_) => return Ok(()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_port_is_unreachable_with_a_reason() {
        let err = probe("postgres://u@127.0.0.1:1/db").unwrap_err();
        assert!(!err.is_empty());
        assert!(probe("mysql://x").is_err());
    }
}
