//! [`HttpOptions`]: which server, with which token, from code or from a URL.

use std::fmt;
use std::time::Duration;

use jobq_core::{Error, Result};
use percent_encoding::percent_decode_str;

/// The environment variable a token is read from when the URL has none.
pub const TOKEN_ENV: &str = "JOBQ_TOKEN";

/// How to reach a jobq server.
///
/// ```
/// use jobq_http::HttpOptions;
///
/// let opts = HttpOptions::from_url("http://s3cret@queue.local:7070/jobq?timeout=10s")?;
/// assert_eq!(opts.to_string(), "http://queue.local:7070/jobq");
/// assert!(opts.has_token());
/// # Ok::<(), jobq_core::Error>(())
/// ```
#[derive(Clone)]
pub struct HttpOptions {
    /// `HOST:PORT`.
    pub(crate) authority: String,
    /// A path the API lives under (behind a reverse proxy), without a trailing `/`.
    pub(crate) prefix: String,
    pub(crate) token: Option<String>,
    pub(crate) timeout: Duration,
}

impl HttpOptions {
    /// The server at `authority` (`HOST:PORT`), without a token, with a 60 s timeout.
    pub fn new(authority: impl Into<String>) -> Self {
        Self {
            authority: authority.into(),
            prefix: String::new(),
            token: None,
            timeout: Duration::from_secs(60),
        }
    }

    /// Reads `http://[TOKEN@]HOST[:PORT][/PREFIX][?timeout=DURATION]`. The token is the
    /// URL's user name, or its password when it has one (`http://:TOKEN@HOST`),
    /// percent-decoded. The port defaults to 80.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for `url` when it is not such a URL: another scheme,
    /// `https` (this client speaks plain HTTP; see the crate's known limits), no host, a
    /// bad port, an unknown option.
    pub fn from_url(url: &str) -> Result<Self> {
        let bad = |why: &str| Error::invalid("url", format!("{url:?}: {why}"));
        let Some(rest) = url.strip_prefix("http://") else {
            if url.starts_with("https://") {
                return Err(bad(
                    "https is not supported by this client yet; reach the server over \
                     http:// (on a private network, or through a tunnel)",
                ));
            }
            return Err(bad("expected http://HOST:PORT"));
        };
        let (rest, query) = match rest.split_once('?') {
            Some((rest, query)) => (rest, Some(query)),
            None => (rest, None),
        };
        let (authority, prefix) = match rest.find('/') {
            Some(at) => (&rest[..at], rest[at..].trim_end_matches('/')),
            None => (rest, ""),
        };
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((userinfo, host)) => (Some(userinfo), host),
            None => (None, authority),
        };
        if host.is_empty() {
            return Err(bad("no host; expected http://HOST:PORT"));
        }
        let host = if host.ends_with(']') || !host.contains(':') {
            format!("{host}:80")
        } else {
            host.to_owned()
        };
        let port = host.rsplit_once(':').map_or("", |(_, port)| port);
        if port.parse::<u16>().is_err() {
            return Err(bad(&format!("{port:?} is not a port")));
        }
        if host.parse::<hyper::http::uri::Authority>().is_err() {
            return Err(bad("not a valid host and port"));
        }
        let mut opts = HttpOptions::new(host);
        opts.prefix = prefix.to_owned();
        if let Some(userinfo) = userinfo {
            let token = userinfo.split_once(':').map_or(userinfo, |(_, pass)| pass);
            let token = percent_decode_str(token)
                .decode_utf8()
                .map_err(|_| bad("the token is not UTF-8 once percent-decoded"))?;
            if !token.is_empty() {
                opts.token = Some(token.into_owned());
            }
        }
        for pair in query.into_iter().flat_map(|q| q.split('&')) {
            match pair.split_once('=') {
                Some(("timeout", value)) => {
                    opts.timeout = humantime::parse_duration(value)
                        .map_err(|e| bad(&format!("timeout={value:?}: {e}")))?;
                }
                _ => return Err(bad(&format!("unknown option {pair:?}; known: timeout"))),
            }
        }
        Ok(opts)
    }

    /// Sets the token sent as `Authorization: Bearer TOKEN`.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Takes the token from `JOBQ_TOKEN` when none was given.
    pub fn token_from_env(mut self) -> Self {
        if self.token.is_none() {
            self.token = std::env::var(TOKEN_ENV).ok().filter(|t| !t.is_empty());
        }
        self
    }

    /// Whether a token will be sent.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// Sets how long a call may take before it fails, beyond the wait a take asks for
    /// (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// The server's URL, without the token.
impl fmt::Display for HttpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}{}", self.authority, self.prefix)
    }
}

/// Never shows the token.
impl fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpOptions")
            .field("url", &self.to_string())
            .field("token", &self.token.as_ref().map(|_| "…"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_forms() {
        let plain = HttpOptions::from_url("http://127.0.0.1:7070").unwrap();
        assert_eq!(plain.authority, "127.0.0.1:7070");
        assert!(plain.token.is_none() && plain.prefix.is_empty());
        let user = HttpOptions::from_url("http://s%40cret@h:1/").unwrap();
        assert_eq!(user.token.as_deref(), Some("s@cret"));
        assert_eq!(user.prefix, "");
        let pass = HttpOptions::from_url("http://jobq:tok@[::1]:9/api/?timeout=5s").unwrap();
        assert_eq!(pass.token.as_deref(), Some("tok"));
        assert_eq!(pass.authority, "[::1]:9");
        assert_eq!(pass.prefix, "/api");
        assert_eq!(pass.timeout, Duration::from_secs(5));
        assert_eq!(HttpOptions::from_url("http://h").unwrap().authority, "h:80");
        assert!(!format!("{pass:?}").contains("tok\""));
    }

    #[test]
    fn bad_urls_name_the_problem() {
        for (url, says) in [
            ("https://h:1", "https is not supported"),
            ("ftp://h", "expected http://"),
            ("http://", "no host"),
            ("http://h:99999", "not a port"),
            ("http://h:1?fast=yes", "unknown option"),
        ] {
            let err = HttpOptions::from_url(url).unwrap_err().to_string();
            assert!(
                err.starts_with("invalid url") && err.contains(says),
                "{url}: {err}"
            );
        }
    }
}
