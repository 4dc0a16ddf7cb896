//! The routes of the HTTP API that submit and consume, and every error code of SPEC
//! section 5 (the managing routes are in `api_manage.rs`), through raw HTTP:
//! the statuses, the JSON bodies, and that a refusal changes nothing.

mod common;

use std::time::{Duration, Instant};

use common::Server;
use serde_json::{Value, json};

/// The `/v1` routes with a body that would be accepted, to check the token on each.
const V1: &[(&str, &str)] = &[
    ("POST", "/v1/queues/q/jobs"),
    ("POST", "/v1/queues/q/jobs/batch"),
    ("POST", "/v1/submit"),
    ("POST", "/v1/queues/q/take"),
    ("POST", "/v1/jobs/j/complete"),
    ("POST", "/v1/jobs/j/fail"),
    ("POST", "/v1/jobs/j/extend"),
    ("POST", "/v1/settle"),
    ("POST", "/v1/jobs/j/resubmit"),
    ("POST", "/v1/jobs/j/cancel"),
    ("POST", "/v1/resubmit"),
    ("POST", "/v1/cancel"),
    ("POST", "/v1/purge"),
    ("GET", "/v1/jobs/j"),
    ("GET", "/v1/jobs"),
    ("GET", "/v1/stats"),
    ("GET", "/v1/throughput"),
];

async fn stats(server: &Server) -> Value {
    server.get("/v1/stats").await.expect(200).json()
}

#[tokio::test]
async fn a_token_guards_every_v1_route_and_only_those() {
    let server = Server::start(Some("s3cret")).await;
    server.submit("q", "j", "x").await;
    for (method, path) in V1 {
        let none = server.call_with(method, path, Some("{}"), None).await;
        assert_eq!(
            none.headers
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap()),
            Some("Bearer"),
            "{method} {path}"
        );
        let error = none.error(401, "unauthorized");
        assert!(error["message"].as_str().unwrap().contains("needs a token"));
        for wrong in ["Bearer s3cre", "Bearer s3cret!", "Basic s3cret", "s3cret"] {
            server
                .call_with(method, path, Some("{}"), Some(wrong))
                .await
                .error(401, "unauthorized");
        }
    }
    // Nothing changed, and the right token works (in any case of "Bearer").
    let right = server
        .call_with("GET", "/v1/stats", None, Some("bearer s3cret"))
        .await
        .expect(200)
        .json();
    assert_eq!(right["queues"]["q"]["queued"], 1);
    for open in ["/", "/healthz", "/metrics", "/openapi.json"] {
        server.call_with("GET", open, None, None).await.expect(200);
    }
}

#[tokio::test]
async fn submit_answers_201_and_refuses_bad_input() {
    let server = Server::start(None).await;
    let made = server
        .post(
            "/v1/queues/mail/jobs",
            &json!({"payload": "hi", "priority": 3}),
        )
        .await
        .expect(201)
        .json();
    let generated = made["id"].as_str().unwrap().to_owned();
    let ok =
        json!({"id": "a/b ü", "payload_base64": "/wCA", "delay_ms": 1500.5, "max_attempts": 5});
    server.post("/v1/queues/mail/jobs", &ok).await.expect(201);
    let read = server
        .get("/v1/jobs/a%2Fb%20%C3%BC")
        .await
        .expect(200)
        .json();
    assert_eq!(
        (&read["id"], &read["payload_base64"]),
        (&json!("a/b ü"), &json!("/wCA"))
    );
    assert_eq!(read["max_attempts"], 5);
    assert_eq!(read["history"][0]["kind"], "submitted");
    let created: jobq::Timestamp = read["created_at"].as_str().unwrap().parse().unwrap();
    let run_at: jobq::Timestamp = read["run_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        run_at.duration_since(created),
        Duration::from_micros(1_500_500)
    );

    let dup = server
        .post(
            "/v1/queues/other/jobs",
            &json!({"id": "a/b ü", "payload": "again"}),
        )
        .await
        .error(409, "duplicate");
    assert_eq!(dup["id"], "a/b ü");

    let too_long = "x".repeat(2001);
    let bad: [(&str, String, &str); 11] = [
        (
            "/v1/queues/bad%20name/jobs",
            json!({"payload": "x"}).to_string(),
            "queue name",
        ),
        (
            "/v1/queues/q/jobs",
            json!({"id": "a\u{7}b", "payload": "x"}).to_string(),
            "id",
        ),
        (
            "/v1/queues/q/jobs",
            json!({"id": too_long, "payload": "x"}).to_string(),
            "id",
        ),
        (
            "/v1/queues/q/jobs",
            json!({"id": "", "payload": "x"}).to_string(),
            "id",
        ),
        ("/v1/queues/q/jobs", "{\"payload\": ".to_owned(), "body"),
        ("/v1/queues/q/jobs", "[1,2]".to_owned(), "body"),
        (
            "/v1/queues/q/jobs",
            json!({"payload": "x", "max_attempt": 2}).to_string(),
            "body",
        ),
        (
            "/v1/queues/q/jobs",
            json!({"priority": 1}).to_string(),
            "payload",
        ),
        (
            "/v1/queues/q/jobs",
            json!({"payload_base64": "***"}).to_string(),
            "payload_base64",
        ),
        (
            "/v1/queues/q/jobs",
            json!({"payload": "x", "max_attempts": 0}).to_string(),
            "max_attempts",
        ),
        (
            "/v1/queues/q/jobs",
            json!({"payload": "x", "delay_ms": -1}).to_string(),
            "delay_ms",
        ),
    ];
    for (path, body, field) in bad {
        let error = server
            .call("POST", path, Some(&body))
            .await
            .error(400, "invalid_input");
        assert_eq!(error["field"], field, "{path} {body}: {error}");
    }
    let stored = stats(&server).await;
    assert_eq!(stored["queues"]["mail"]["queued"], 2, "{stored}");
    assert!(
        stored["queues"].get("q").is_none(),
        "nothing stored: {stored}"
    );
    server
        .get(&format!("/v1/jobs/{generated}"))
        .await
        .expect(200);
}

#[tokio::test]
async fn oversized_payloads_and_bodies_are_413() {
    let server = Server::start(None).await;
    let big = "x".repeat(1024 * 1024 + 1);
    let error = server
        .post("/v1/queues/q/jobs", &json!({"payload": big}))
        .await
        .error(413, "invalid_input");
    assert_eq!(error["field"], "payload");
    assert!(
        error["message"].as_str().unwrap().contains("1048576"),
        "{error}"
    );
    let exact = "x".repeat(1024 * 1024);
    server
        .post(
            "/v1/queues/q/jobs",
            &json!({"id": "exact", "payload": exact}),
        )
        .await
        .expect(201);
    // A body over the limit is refused before it is read.
    let huge = vec![b' '; 8 * 1024 * 1024];
    let error = server
        .call_bytes("POST", "/v1/queues/q/jobs", huge, None)
        .await
        .error(413, "invalid_input");
    assert_eq!(error["field"], "body");
    assert_eq!(stats(&server).await["queues"]["q"]["queued"], 1);
}

#[tokio::test]
async fn batches_are_all_or_nothing() {
    let server = Server::start(None).await;
    let ids = server
        .post(
            "/v1/queues/q/jobs/batch",
            &json!({"jobs": [{"id": "b1", "payload": "1"}, {"payload": "2", "queue": "q"}]}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(ids["ids"][0], "b1");
    let dup = json!({"jobs": [{"id": "b2", "payload": "2"}, {"id": "b1", "payload": "again"}]});
    server
        .post("/v1/queues/q/jobs/batch", &dup)
        .await
        .error(409, "duplicate");
    let elsewhere = json!({"jobs": [{"payload": "x", "queue": "other"}]});
    let error = server
        .post("/v1/queues/q/jobs/batch", &elsewhere)
        .await
        .error(400, "invalid_input");
    assert_eq!(error["field"], "queue name");
    let mixed = json!({"jobs": [{"payload": "a", "queue": "one"}, {"payload": "b"}]});
    server.post("/v1/submit", &mixed).await.expect(201);
    let s = stats(&server).await;
    assert_eq!(s["queues"]["q"]["queued"], 2, "{s}");
    assert_eq!(s["queues"]["one"]["queued"], 1, "{s}");
    assert_eq!(s["queues"]["default"]["queued"], 1, "{s}");
    server.get("/v1/jobs/b2").await.error(404, "not_found");
}

#[tokio::test]
async fn take_complete_fail_extend_and_their_refusals() {
    let server = Server::start(None).await;
    let empty = server
        .call("POST", "/v1/queues/q/take", None)
        .await
        .expect(200)
        .json();
    assert_eq!(empty, json!({"jobs": []}));
    for (body, field) in [
        (json!({"max": 0}), "max"),
        (json!({"lease_ms": 0}), "lease"),
        (json!({"wait_ms": 1e12}), "wait"),
        (json!({"worker": ""}), "worker"),
    ] {
        let error = server
            .post("/v1/queues/q/take", &body)
            .await
            .error(400, "invalid_input");
        assert_eq!(error["field"], field, "{body}");
    }
    server.submit("q", "a", "payload a").await;
    server.submit("q", "b", "payload b").await;
    let taken = server
        .post(
            "/v1/queues/q/take",
            &json!({"max": 5, "lease_ms": 60000, "worker": "w-1"}),
        )
        .await
        .expect(200)
        .json();
    let jobs = taken["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 2);
    assert_eq!(
        (&jobs[0]["id"], &jobs[0]["payload"], &jobs[0]["attempt"]),
        (&json!("a"), &json!("payload a"), &json!(1))
    );
    let (lease_a, lease_b) = (jobs[0]["lease"].clone(), jobs[1]["lease"].clone());

    let lost = server
        .post("/v1/jobs/a/complete", &json!({"lease": "not-the-lease"}))
        .await
        .error(409, "lease_lost");
    assert_eq!(lost["id"], "a");
    server
        .post("/v1/jobs/nope/complete", &json!({"lease": lease_a}))
        .await
        .error(404, "not_found");
    server
        .post("/v1/jobs/a/complete", &json!({"lease": ""}))
        .await
        .error(400, "invalid_input");
    server
        .post("/v1/jobs/a/complete", &json!({}))
        .await
        .error(400, "invalid_input");
    let extended = server
        .post(
            "/v1/jobs/a/extend",
            &json!({"lease": lease_a, "lease_ms": 120000}),
        )
        .await
        .expect(200)
        .json();
    assert!(extended["lease_until"].is_string(), "{extended}");
    server
        .post(
            "/v1/jobs/a/extend",
            &json!({"lease": lease_a, "lease_ms": 0}),
        )
        .await
        .error(400, "invalid_input");
    let done = server
        .post("/v1/jobs/a/complete", &json!({"lease": lease_a}))
        .await
        .expect(200)
        .json();
    assert_eq!(done, json!({"id": "a", "state": "done"}));
    server
        .post("/v1/jobs/a/complete", &json!({"lease": lease_a}))
        .await
        .error(409, "lease_lost");
    server
        .post("/v1/jobs/a/extend", &json!({"lease": lease_a}))
        .await
        .error(409, "lease_lost");
    let retried = server
        .post(
            "/v1/jobs/b/fail",
            &json!({"lease": lease_b, "error": "boom"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(retried["state"], "queued");
    assert!(retried["retry_at"].is_string(), "{retried}");
    let b = server.get("/v1/jobs/b").await.expect(200).json();
    assert_eq!(
        (&b["last_error"], &b["attempts"]),
        (&json!("boom"), &json!(1))
    );
}

#[tokio::test]
async fn a_waiting_take_answers_as_soon_as_a_job_arrives() {
    let server = std::sync::Arc::new(Server::start(None).await);
    let started = Instant::now();
    let taker = {
        let server = std::sync::Arc::clone(&server);
        tokio::spawn(async move {
            server
                .post("/v1/queues/late/take", &json!({"wait_ms": 30000}))
                .await
                .expect(200)
                .json()
        })
    };
    // Submit once the take is waiting on the server.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let metrics = server.get("/metrics").await.expect(200).text;
        if metrics.lines().any(|l| l == "jobq_takes_waiting 1") {
            break;
        }
        assert!(Instant::now() < deadline, "the take never waited");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.submit("late", "arrived", "x").await;
    let taken = taker.await.unwrap();
    assert_eq!(taken["jobs"][0]["id"], "arrived");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "answered long before the wait"
    );
}

#[tokio::test]
async fn settle_reports_each_settlement() {
    let server = Server::start(None).await;
    server.submit("q", "a", "x").await;
    server.submit("q", "b", "x").await;
    let a = server.take("q").await;
    let b = server.take("q").await;
    let body = json!({"settlements": [
        {"id": "a", "lease": a["lease"], "outcome": "complete"},
        {"id": "b", "lease": "stale", "outcome": "fail", "error": "x"},
        {"id": "zz", "lease": "l", "outcome": "complete"},
        {"id": "b", "lease": b["lease"], "outcome": "fail", "error": "why"},
    ]});
    let answer = server.post("/v1/settle", &body).await.expect(200).json();
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results[0]["state"], "done");
    assert_eq!(results[1]["error"]["code"], "lease_lost");
    assert_eq!(results[2]["error"]["code"], "not_found");
    assert_eq!(results[3]["state"], "queued");
    let bad =
        json!({"settlements": [{"id": "a", "lease": "l", "outcome": "complete", "error": "x"}]});
    server
        .post("/v1/settle", &bad)
        .await
        .error(400, "invalid_input");
    let bad = json!({"settlements": [{"id": "a", "lease": "l", "outcome": "maybe"}]});
    server
        .post("/v1/settle", &bad)
        .await
        .error(400, "invalid_input");
}
