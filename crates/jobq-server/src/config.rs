//! [`ServerConfig`]: what a server needs besides its store, and the check that keeps an
//! open server off the network.

use std::net::SocketAddr;

use jobq_core::Limits;

/// How a server behaves.
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    /// The bearer token every `/v1` call must present; `None` leaves the API open (allowed
    /// only on a loopback address, see [`check_listen`]).
    pub token: Option<String>,
    /// The largest payload, as the store enforces it (default 1 MiB). Request bodies may be
    /// larger, see [`ServerConfig::body_limit`].
    pub limits: Limits,
}

impl ServerConfig {
    /// A server with no token and the default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requires `token` on every `/v1` call.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sets the payload limit.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The largest request body accepted: room for a payload at the limit even written as
    /// JSON text in which every byte is escaped (`\u0007` is six bytes), plus 1 MiB for
    /// the rest of the request. Anything larger is refused with 413 before it is read.
    pub fn body_limit(&self) -> usize {
        self.limits
            .max_payload_bytes
            .saturating_mul(6)
            .saturating_add(1024 * 1024)
    }
}

/// Checks that a server may listen on `addr`: a non-loopback address needs a token, since
/// anyone who can reach the port could otherwise take, cancel and purge jobs.
///
/// # Errors
///
/// A message saying what to do: give a token, or listen on a loopback address; or that the
/// token is empty.
pub fn check_listen(addr: SocketAddr, token: Option<&str>) -> Result<(), String> {
    match token {
        Some("") => Err(
            "the token is empty; give a long random one with --token or \
                         JOBQ_TOKEN, or none at all on a loopback address"
                .to_owned(),
        ),
        Some(_) => Ok(()),
        None if addr.ip().is_loopback() => Ok(()),
        None => Err(format!(
            "refusing to listen on {addr} without a token: anyone who can reach it could \
             take, cancel and delete jobs. Give one with --token TOKEN (or JOBQ_TOKEN), or \
             listen on a loopback address such as 127.0.0.1:{}",
            addr.port()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_servers_stay_on_loopback() {
        let lo: SocketAddr = "127.0.0.1:7070".parse().unwrap();
        let lo6: SocketAddr = "[::1]:7070".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:7070".parse().unwrap();
        assert!(check_listen(lo, None).is_ok());
        assert!(check_listen(lo6, None).is_ok());
        let err = check_listen(any, None).unwrap_err();
        assert!(
            err.contains("without a token") && err.contains("--token"),
            "{err}"
        );
        assert!(check_listen(any, Some("s3cret")).is_ok());
        assert!(check_listen(lo, Some("")).unwrap_err().contains("empty"));
    }

    #[test]
    fn body_limit_leaves_room_for_escaped_text() {
        let config = ServerConfig::new();
        assert_eq!(config.body_limit(), 7 * 1024 * 1024);
    }
}
