//! Choosing a backend by URL.

use jobq_core::{Error, Result};
use jobq_http::{HttpOptions, HttpQueue};
use jobq_postgres::{PostgresOptions, PostgresQueue};
use jobq_sqlite::{SqliteOptions, SqliteQueue};

use crate::AnyQueue;

/// The store used when no URL is given: `jobq.db` in the working directory.
pub const DEFAULT_URL: &str = "sqlite:jobq.db";

/// Opens the store `url` names:
///
/// - `sqlite:PATH` (or `sqlite://PATH`, or a bare path): the embedded SQLite file, created
///   if missing. Options: `?synchronous=full|normal&busy_timeout=30s`.
/// - `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (or `postgresql://`): a PostgreSQL
///   database; jobq's tables live in schema `jobq`, created on first use. jobq's own options
///   (`schema`, `pool_size`, `pool_timeout`, `recheck`, `listen`) are removed before the
///   rest reaches the driver; see [`PostgresOptions::from_url`].
/// - `http://[TOKEN@]HOST:PORT`: a jobq server (`jobq serve`). The token is the URL's user
///   name (or password), else the environment variable `JOBQ_TOKEN`; see
///   [`HttpOptions::from_url`].
///
/// # Errors
///
/// [`Error::InvalidInput`] for a URL that names no backend this build has, or is malformed;
/// what the backend returns when its store cannot be opened.
pub async fn connect(url: &str) -> Result<AnyQueue> {
    match scheme(url) {
        None | Some("sqlite") => {
            let opts = SqliteOptions::from_url(url)?;
            Ok(AnyQueue::Sqlite(SqliteQueue::open(opts).await?))
        }
        Some("postgres" | "postgresql") => {
            let opts = PostgresOptions::from_url(url)?;
            Ok(AnyQueue::Postgres(PostgresQueue::connect(opts).await?))
        }
        Some("http" | "https") => {
            let opts = HttpOptions::from_url(url)?.token_from_env();
            Ok(AnyQueue::Http(HttpQueue::connect(opts).await?))
        }
        Some(other) => Err(Error::invalid(
            "url",
            format!(
                "unknown scheme {other:?} in {url:?}; expected sqlite:PATH, a file path, \
                 postgres://USER@HOST/DATABASE or http://HOST:PORT"
            ),
        )),
    }
}

/// The URL's scheme, when it starts with one (`letters:`); a bare path has none.
fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(scheme("sqlite:x.db"), Some("sqlite"));
        assert_eq!(scheme("postgres://h/db"), Some("postgres"));
        assert_eq!(scheme("x.db"), None);
        assert_eq!(scheme("./a:b.db"), None);
        assert_eq!(scheme("/tmp/x.db"), None);
    }

    #[tokio::test]
    async fn unknown_schemes_are_refused_by_name() {
        let err = connect("redis://localhost").await.unwrap_err().to_string();
        assert!(err.contains("unknown scheme \"redis\""), "{err}");
    }

    #[tokio::test]
    async fn postgres_urls_reach_the_postgres_backend() {
        // Both schemes are read by the PostgreSQL backend: its own checks answer.
        for url in [
            "postgres://u@h/db?schema=Not-Valid",
            "postgresql://u@h/db?schema=Not-Valid",
        ] {
            let err = connect(url).await.unwrap_err();
            assert_eq!(
                err.code(),
                jobq_core::ErrorCode::InvalidInput,
                "{url}: {err}"
            );
            assert!(err.to_string().contains("a schema name is"), "{url}: {err}");
        }
        // A well-formed URL is connected to: with no server there, a backend error that
        // names the server, not a refusal of the URL.
        let err = connect("postgres://jobq@127.0.0.1:1/nowhere?connect_timeout=5")
            .await
            .unwrap_err();
        assert_eq!(err.code(), jobq_core::ErrorCode::Backend, "{err}");
        assert!(err.to_string().contains("127.0.0.1:1/nowhere"), "{err}");
    }

    #[tokio::test]
    async fn http_urls_reach_the_http_client() {
        let err = connect("https://127.0.0.1:1")
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("https is not supported"), "{err}");
        // Nothing listens on port 1: the client says it cannot reach the server.
        let err = connect("http://127.0.0.1:1").await.unwrap_err().to_string();
        assert!(err.contains("cannot reach the jobq server"), "{err}");
    }

    #[tokio::test]
    async fn bare_paths_and_sqlite_urls_open_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.db");
        let a = connect(path.to_str().unwrap()).await.unwrap();
        let b = connect(&format!("sqlite:{}", path.display()))
            .await
            .unwrap();
        assert!(matches!((a, b), (AnyQueue::Sqlite(_), AnyQueue::Sqlite(_))));
        assert!(path.exists());
    }
}
