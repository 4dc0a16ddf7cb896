//! The transport: one JSON request, one JSON answer, and the server's errors turned back
//! into the [`Error`]s a local store returns.

use std::fmt::Write as _;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jobq_core::wire::ErrorJson;
use jobq_core::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::options::HttpOptions;

/// A connection pool to one server.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    http: HyperClient<HttpConnector, Full<Bytes>>,
    opts: HttpOptions,
    auth: Option<HeaderValue>,
}

/// `error` and the errors that caused it, as one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

impl Client {
    pub(crate) fn new(opts: HttpOptions) -> Result<Self> {
        let auth = match &opts.token {
            Some(token) => Some(
                HeaderValue::from_str(&format!("Bearer {token}"))
                    .map_err(|_| Error::invalid("token", "a token is printable ASCII"))?,
            ),
            None => None,
        };
        let http = HyperClient::builder(TokioExecutor::new()).build_http();
        Ok(Self { http, opts, auth })
    }

    pub(crate) fn opts(&self) -> &HttpOptions {
        &self.opts
    }

    /// Sends `method path` with `body` (JSON, when given) and reads the answer as `T`,
    /// allowing `extra` on top of the timeout (the wait of a long poll).
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
        extra: Duration,
    ) -> Result<T> {
        let server = self.opts.to_string();
        let what = format!("{method} {server}{path}");
        let uri: Uri = format!("{server}{path}")
            .parse()
            .map_err(|e| Error::backend(what.clone(), e))?;
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(auth) = &self.auth {
            req = req.header(AUTHORIZATION, auth.clone());
        }
        let bytes = match body {
            Some(body) => {
                req = req.header(CONTENT_TYPE, "application/json");
                serde_json::to_vec(body).map_err(|e| Error::backend(what.clone(), e))?
            }
            None => Vec::new(),
        };
        let req = req
            .body(Full::new(Bytes::from(bytes)))
            .map_err(|e| Error::backend(what.clone(), e))?;
        let limit = self.opts.timeout.saturating_add(extra);
        let exchange = async {
            let response = self.http.request(req).await.map_err(|e| {
                Error::backend(
                    format!("cannot reach the jobq server at {server}"),
                    chain(&e),
                )
            })?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| Error::backend(what.clone(), chain(&e)))?
                .to_bytes();
            Ok::<_, Error>((status, body))
        };
        let (status, body) = tokio::time::timeout(limit, exchange)
            .await
            .map_err(|_| Error::backend(what.clone(), format!("no answer within {limit:?}")))??;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| {
                Error::backend(what, format!("an answer that is not the API's JSON: {e}"))
            });
        }
        Err(self.error(status, &body, &what))
    }

    /// The error an answer with `status` and `body` carries.
    fn error(&self, status: StatusCode, body: &[u8], what: &str) -> Error {
        let Ok(json) = serde_json::from_slice::<ErrorJson>(body) else {
            let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
            return Error::backend(what.to_owned(), format!("HTTP {status}: {text}"));
        };
        if status == StatusCode::UNAUTHORIZED {
            let hint = if self.auth.is_some() {
                "the server refused the token given"
            } else {
                "the server needs a token: give it as http://TOKEN@HOST:PORT or in JOBQ_TOKEN"
            };
            return Error::invalid("token", format!("{hint} ({})", json.error.message));
        }
        json.error.into_error(what)
    }
}
