//! `/openapi.json` describes every route the server answers, with the methods it answers,
//! and nothing else: the routes of SPEC section 5, the extra ones the `Queue` trait needs,
//! and the open ones (`/`, `/healthz`, `/metrics`, `/openapi.json`).

mod common;

use serde_json::Value;

/// Every route, as `METHOD PATH`, that the README's API table lists.
const ROUTES: &[&str] = &[
    "POST /v1/queues/{queue}/jobs",
    "POST /v1/queues/{queue}/jobs/batch",
    "POST /v1/queues/{queue}/take",
    "POST /v1/jobs/{id}/complete",
    "POST /v1/jobs/{id}/fail",
    "POST /v1/jobs/{id}/extend",
    "POST /v1/jobs/{id}/resubmit",
    "POST /v1/jobs/{id}/cancel",
    "GET /v1/jobs/{id}",
    "GET /v1/jobs",
    "GET /v1/stats",
    "POST /v1/submit",
    "POST /v1/settle",
    "POST /v1/resubmit",
    "POST /v1/cancel",
    "POST /v1/purge",
    "GET /v1/throughput",
    "GET /v1/schedules",
    "PUT /v1/schedules/{name}",
    "DELETE /v1/schedules/{name}",
    "GET /metrics",
    "GET /healthz",
    "GET /",
    "GET /openapi.json",
];

const METHODS: &[&str] = &["get", "post", "put", "delete", "patch"];

/// `PATH` with its parameters filled in, to call it.
fn concrete(path: &str) -> String {
    path.replace("{queue}", "q")
        .replace("{id}", "j")
        .replace("{name}", "s")
}

#[tokio::test]
async fn every_route_is_described_and_served() {
    let server = common::Server::start(None).await;
    let doc = server.get("/openapi.json").await.expect(200).json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    let mut described = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(*method) {
                described.push(format!("{} {path}", method.to_uppercase()));
                assert!(
                    op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                    "{method} {path} describes its answers"
                );
                let secured = op.get("security").is_some();
                assert_eq!(
                    secured,
                    path.starts_with("/v1/"),
                    "{method} {path}: the /v1 routes, and only they, need the token"
                );
            }
        }
    }
    described.sort();
    let mut expected: Vec<String> = ROUTES.iter().map(|r| (*r).to_owned()).collect();
    expected.sort();
    assert_eq!(
        described, expected,
        "the description lists exactly these routes"
    );

    // Each described route is served with its method (any answer but "no route"), and
    // another method on it is refused with 405, as JSON.
    for route in ROUTES {
        let (method, path) = route.split_once(' ').unwrap();
        let run = server.call(method, &concrete(path), Some("{}")).await;
        let code = serde_json::from_str::<Value>(&run.text)
            .ok()
            .and_then(|v| v["error"]["code"].as_str().map(str::to_owned));
        assert!(
            !matches!(code.as_deref(), Some("no_route" | "method_not_allowed")),
            "{route}: {}",
            run.text
        );
        let other = if method == "GET" { "DELETE" } else { "GET" };
        let refused = server.call(other, &concrete(path), None).await.expect(405);
        assert_eq!(refused.json()["error"]["code"], "method_not_allowed");
    }
    let unknown = server.get("/v1/nothing").await.expect(404).json();
    assert_eq!(unknown["error"]["code"], "no_route");
}

#[tokio::test]
async fn schemas_are_the_handlers_types() {
    let server = common::Server::start(None).await;
    let doc: Value = server.get("/openapi.json").await.expect(200).json();
    let schemas = &doc["components"]["schemas"];
    for name in [
        "SubmitBody",
        "BatchBody",
        "TakeBody",
        "TakeAnswer",
        "LeasedJson",
        "JobJson",
        "Stats",
        "ErrorJson",
        "SettleBody",
        "SelectBody",
        "PurgeBody",
    ] {
        assert!(schemas.get(name).is_some(), "schema {name} is described");
    }
    // The request body of submit is the type the handler reads.
    let submit = &doc["paths"]["/v1/queues/{queue}/jobs"]["post"];
    assert_eq!(
        submit["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/SubmitBody"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["token"]["scheme"],
        "bearer"
    );
}
