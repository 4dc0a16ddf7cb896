//! HTTP fuzzing from the OpenAPI description (SPEC section 8): schemathesis generates
//! requests for every operation of `/openapi.json` (valid and invalid bodies, paths and
//! queries) and checks that no answer is a server error (5xx) and nothing crashes.
//!
//! Needs `schemathesis` (`pip install schemathesis`; `.ci/run` installs the tested
//! version): without it the test prints a loud SKIPPED line and passes, except under
//! `CI=true`, where it fails. The run is bounded by its examples (30 per operation) and a
//! fixed seed (`JOBQ_FUZZ_SEED` overrides it), not by a time budget: cutting schemathesis
//! short mid-generation makes it report internal errors of its own.

use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_generated_request_gets_a_server_error() {
    let Ok(schemathesis) = which::which("schemathesis") else {
        let message = "SKIPPED: the fuzzing test needs schemathesis (pip install schemathesis)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
        println!("{message}");
        eprintln!("{message}");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = jobq::connect(dir.path().join("q.db").to_str().unwrap())
        .await
        .unwrap();
    let token = "fuzz-s3cret";
    let config = jobq_server::ServerConfig::new().token(token);
    let server = jobq_server::start("127.0.0.1:0", store, config)
        .await
        .unwrap();
    let seed = std::env::var("JOBQ_FUZZ_SEED").unwrap_or_else(|_| "1".to_owned());
    let schema = format!("{}/openapi.json", server.url());
    let reports = dir.path().join("reports");
    let workdir = dir.path().to_owned();
    let args = [
        "run".to_owned(),
        schema,
        "--checks".to_owned(),
        "not_a_server_error".to_owned(),
        "--max-examples".to_owned(),
        "30".to_owned(),
        // Not the coverage phase: on this machine's CPython 3.11.7 it trips over an
        // interpreter bug ("SystemError: AST constructor recursion depth mismatch") now
        // and then, reported as an error of schemathesis itself. Fuzzing still sends
        // valid and invalid input to every operation.
        "--phases".to_owned(),
        "examples,fuzzing,stateful".to_owned(),
        "--seed".to_owned(),
        seed,
        "--request-timeout".to_owned(),
        "30".to_owned(),
        "--workers".to_owned(),
        "2".to_owned(),
        "--header".to_owned(),
        format!("Authorization: Bearer {token}"),
        "--no-color".to_owned(),
        "--report-dir".to_owned(),
        reports.display().to_string(),
    ];
    let output = tokio::task::spawn_blocking(move || {
        // In the temporary directory, where schemathesis keeps its cache.
        Command::new(schemathesis)
            .current_dir(&workdir)
            .args(&args)
            .env("SCHEMATHESIS_HOOKS", "")
            .output()
            .expect("run schemathesis")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: Vec<&str> = stdout.lines().rev().take(30).collect();
    let summary: Vec<&str> = summary.into_iter().rev().collect();
    println!("{}", summary.join("\n"));
    assert!(
        output.status.success(),
        "schemathesis found server errors or crashed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("passed"), "{stdout}");
    server.stop().await.unwrap();
}
