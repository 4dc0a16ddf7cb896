//! A server on a free local port over a fresh SQLite store, and raw HTTP calls to it with
//! any method, body and headers (the tests check exact statuses and bodies, so they do not
//! go through the `jobq-http` client).

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::HeaderMap;
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// A running server and a client to it.
pub struct Server {
    pub running: jobq_server::Running,
    pub queue: jobq::AnyQueue,
    pub token: Option<String>,
    pub dir: tempfile::TempDir,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// One answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "status; body: {}", self.text);
        self
    }

    /// The body as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    /// Asserts a JSON error with `status` and `code`, and returns its body.
    #[track_caller]
    pub fn error(self, status: u16, code: &str) -> Value {
        let json = self.expect(status).json();
        assert_eq!(json["error"]["code"], code, "{json}");
        assert!(
            json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{json}"
        );
        json["error"].clone()
    }
}

impl Server {
    /// A server over a new store in a temporary directory, requiring `token` when given.
    pub async fn start(token: Option<&str>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let queue = jobq::connect(dir.path().join("q.db").to_str().unwrap())
            .await
            .unwrap();
        let mut config = jobq_server::ServerConfig::new();
        if let Some(token) = token {
            config = config.token(token);
        }
        let running = jobq_server::start("127.0.0.1:0", queue.clone(), config)
            .await
            .unwrap();
        Self {
            running,
            queue,
            token: token.map(str::to_owned),
            dir,
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    pub fn url(&self) -> String {
        self.running.url()
    }

    /// `method path` with `body`, sending the server's token (if any).
    pub async fn call(&self, method: &str, path: &str, body: Option<&str>) -> Answer {
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        self.call_with(method, path, body, auth.as_deref()).await
    }

    /// `method path` with `body` and the `Authorization` header `auth`.
    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        auth: Option<&str>,
    ) -> Answer {
        self.call_bytes(method, path, body.unwrap_or("").as_bytes().to_vec(), auth)
            .await
    }

    /// `method path` with a body of raw bytes.
    pub async fn call_bytes(
        &self,
        method: &str,
        path: &str,
        body: Vec<u8>,
        auth: Option<&str>,
    ) -> Answer {
        let mut req = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(format!("{}{path}", self.url()))
            .header("content-type", "application/json");
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        let req = req.body(Full::new(Bytes::from(body))).unwrap();
        let response = tokio::time::timeout(Duration::from_secs(60), self.client.request(req))
            .await
            .expect("an answer within 60 s")
            .expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.call("POST", path, Some(&body.to_string())).await
    }

    /// Submits `payload` as job `id` to `queue`, expecting 201.
    pub async fn submit(&self, queue: &str, id: &str, payload: &str) {
        let body = serde_json::json!({"id": id, "payload": payload});
        self.post(&format!("/v1/queues/{queue}/jobs"), &body)
            .await
            .expect(201);
    }

    /// Takes one job of `queue`, expecting one, and returns it.
    pub async fn take(&self, queue: &str) -> Value {
        let answer = self
            .post(&format!("/v1/queues/{queue}/take"), &serde_json::json!({}))
            .await
            .expect(200)
            .json();
        let jobs = answer["jobs"].as_array().unwrap();
        assert_eq!(jobs.len(), 1, "{answer}");
        jobs[0].clone()
    }
}
