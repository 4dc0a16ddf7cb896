//! The managing, inspecting and ops routes of the HTTP API and their error codes, through
//! raw HTTP: resubmit, cancel, purge, list, stats, health, metrics, throughput, and
//! unknown routes. (Submitting and consuming are in `api.rs`.)

mod common;

use common::Server;
use serde_json::{Value, json};

async fn stats(server: &Server) -> Value {
    server.get("/v1/stats").await.expect(200).json()
}

/// Submits `id` with one attempt to `queue`, takes it and fails it, leaving it `failed`.
async fn failed(server: &Server, queue: &str, id: &str) {
    let body = json!({"id": id, "payload": "x", "max_attempts": 1});
    server
        .post(&format!("/v1/queues/{queue}/jobs"), &body)
        .await
        .expect(201);
    let job = server.take(queue).await;
    let failed = server
        .post(
            &format!("/v1/jobs/{id}/fail"),
            &json!({"lease": job["lease"], "error": "bad"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(failed["state"], "failed");
}

#[tokio::test]
async fn resubmit_cancel_and_purge() {
    let server = Server::start(None).await;
    failed(&server, "q", "f1").await;
    failed(&server, "q", "f2").await;
    server.submit("q", "waiting", "x").await;

    let one = server
        .call("POST", "/v1/jobs/f1/resubmit", None)
        .await
        .expect(200)
        .json();
    assert_eq!(one, json!({"resubmitted": 1}));
    let wrong = server
        .call("POST", "/v1/jobs/waiting/resubmit", None)
        .await
        .error(409, "invalid_state");
    assert_eq!(
        (&wrong["id"], &wrong["state"]),
        (&json!("waiting"), &json!("queued"))
    );
    server
        .call("POST", "/v1/jobs/nope/resubmit", None)
        .await
        .error(404, "not_found");
    server
        .call("POST", "/v1/jobs/%07/resubmit", None)
        .await
        .error(400, "invalid_input");

    let by_state = server
        .post("/v1/resubmit", &json!({"state": "failed", "queue": "q"}))
        .await
        .expect(200)
        .json();
    assert_eq!(by_state, json!({"resubmitted": 1}));
    let error = server
        .post("/v1/resubmit", &json!({"state": "done"}))
        .await
        .error(400, "invalid_input");
    assert_eq!(error["field"], "state");
    server
        .post("/v1/resubmit", &json!({"ids": ["f1"], "state": "failed"}))
        .await
        .error(400, "invalid_input");
    server
        .post("/v1/cancel", &json!({"ids": ["f1", "nope"]}))
        .await
        .error(404, "not_found");
    assert_eq!(
        stats(&server).await["queues"]["q"]["queued"],
        3,
        "nothing cancelled"
    );

    let cancelled = server
        .call("POST", "/v1/jobs/f1/cancel", None)
        .await
        .expect(200)
        .json();
    assert_eq!(cancelled, json!({"cancelled": 1}));
    server
        .call("POST", "/v1/jobs/f1/cancel", None)
        .await
        .error(409, "invalid_state");
    let all = server
        .post("/v1/cancel", &json!({"state": "queued"}))
        .await
        .expect(200)
        .json();
    assert_eq!(all, json!({"cancelled": 2}));

    let error = server
        .post("/v1/purge", &json!({"state": "queued"}))
        .await
        .error(400, "invalid_input");
    assert_eq!(error["field"], "state");
    server
        .post(
            "/v1/purge",
            &json!({"state": "cancelled", "older_than_ms": -5}),
        )
        .await
        .error(400, "invalid_input");
    let kept = server
        .post(
            "/v1/purge",
            &json!({"state": "cancelled", "older_than_ms": 3600000}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(kept, json!({"purged": 0}));
    let purged = server
        .post("/v1/purge", &json!({"state": "cancelled", "queue": "q"}))
        .await
        .expect(200)
        .json();
    assert_eq!(purged, json!({"purged": 3}));
    server.get("/v1/jobs/f1").await.error(404, "not_found");
}

#[tokio::test]
async fn list_stats_and_their_refusals() {
    let server = Server::start(None).await;
    for id in ["one", "two", "three"] {
        server.submit("q", id, "x").await;
    }
    server.submit("other", "four", "x").await;
    let ids = |answer: &Value| -> Vec<String> {
        answer["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let newest = server.get("/v1/jobs?queue=q").await.expect(200).json();
    assert_eq!(ids(&newest), ["three", "two", "one"]);
    assert!(newest["jobs"][0].get("history").is_none());
    let oldest = server
        .get("/v1/jobs?queue=q&order=oldest&limit=2&state=queued")
        .await
        .expect(200)
        .json();
    assert_eq!(ids(&oldest), ["one", "two"]);
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=x", "limit"),
        ("state=finished", "state"),
        ("order=random", "order"),
        ("queue=a%20b", "queue name"),
    ] {
        let error = server
            .get(&format!("/v1/jobs?{query}"))
            .await
            .error(400, "invalid_input");
        assert_eq!(error["field"], field, "{query}");
    }
    let one = server.get("/v1/stats?queue=other").await.expect(200).json();
    assert_eq!(
        one,
        json!({"queues": {"other": {"queued": 1, "running": 0, "done": 0, "failed": 0, "cancelled": 0}}})
    );
    server
        .get("/v1/stats?queue=")
        .await
        .error(400, "invalid_input");
    server
        .get("/v1/jobs/x%FF")
        .await
        .error(400, "invalid_input");
}

#[tokio::test]
async fn health_metrics_throughput_and_unknown_routes() {
    let server = Server::start(None).await;
    let health = server.get("/healthz").await.expect(200).json();
    assert_eq!(health, json!({"status": "ok"}));
    server.submit("q", "a", "x").await;
    let job = server.take("q").await;
    server
        .post("/v1/jobs/a/complete", &json!({"lease": job["lease"]}))
        .await
        .expect(200);
    let metrics = server.get("/metrics").await.expect(200);
    let content_type = metrics.headers["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    for line in [
        "jobq_jobs{queue=\"q\",state=\"done\"} 1",
        "jobq_jobs_submitted_total{queue=\"q\"} 1",
        "jobq_jobs_completed_total 1",
        "jobq_take_duration_seconds_count 1",
    ] {
        assert!(
            metrics.text.lines().any(|l| l == line),
            "{line} in\n{}",
            metrics.text
        );
    }
    let recent = server
        .get("/v1/throughput?minutes=5")
        .await
        .expect(200)
        .json();
    assert_eq!(recent["bucket_secs"], 10);
    let buckets = recent["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 30);
    let total = |key: &str| {
        buckets
            .iter()
            .map(|b| b[key].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(
        (total("submitted"), total("completed"), total("failed")),
        (1, 1, 0)
    );
    server
        .get("/v1/throughput?minutes=0")
        .await
        .error(400, "invalid_input");
    server.get("/nothing").await.error(404, "no_route");
    server
        .call("DELETE", "/v1/stats", None)
        .await
        .error(405, "method_not_allowed");
    let page = server.get("/").await.expect(200);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}
