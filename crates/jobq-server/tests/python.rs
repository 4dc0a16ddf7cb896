//! The Python producer and consumer of `examples/python/` (standard library only) against
//! a real server with a token: the producer submits with chosen ids (and submits nothing
//! twice when run again), the consumer works the jobs, completing them or failing them with
//! their error.
//!
//! Needs `python3`: without it the test prints a loud SKIPPED line and passes, except
//! under `CI=true`, where it fails.

use std::path::PathBuf;
use std::process::{Command, Output};

use jobq::{HttpOptions, HttpQueue, JobId, JobState, Queue, QueueName};

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/python")
}

/// Runs `python3 SCRIPT ARGS` against the server at `url` with `token`.
fn python(url: &str, token: &str, script: &str, args: &[&str]) -> Output {
    let output = Command::new("python3")
        .arg(script)
        .args(args)
        .current_dir(examples())
        .env("JOBQ_URL", url)
        .env("JOBQ_TOKEN", token)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "{script} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_producer_and_consumer_use_the_api() {
    if which::which("python3").is_err() {
        let message = "SKIPPED: the Python example test needs python3";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
        println!("{message}");
        eprintln!("{message}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = jobq::connect(dir.path().join("q.db").to_str().unwrap())
        .await
        .unwrap();
    let token = "py-s3cret";
    let config = jobq_server::ServerConfig::new().token(token);
    let server = jobq_server::start("127.0.0.1:0", store, config)
        .await
        .unwrap();
    let url = server.url();

    let args = ["--queue", "emails", "--count", "8"];
    let first = python(&url, token, "producer.py", &args);
    let first = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(
        first.contains("done: 8 submitted, 0 already there"),
        "{first}"
    );
    let again = python(&url, token, "producer.py", &args);
    let again = String::from_utf8_lossy(&again.stdout).into_owned();
    assert!(
        again.contains("done: 0 submitted, 8 already there"),
        "{again}"
    );

    // A wrong token is refused with the API's error.
    let refused = Command::new("python3")
        .args(["producer.py", "--count", "1"])
        .current_dir(examples())
        .env("JOBQ_URL", &url)
        .env("JOBQ_TOKEN", "wrong")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unauthorized"));

    let worked = python(
        &url,
        token,
        "consumer.py",
        &["--queue", "emails", "--wait", "2", "--exit-when-empty"],
    );
    let worked = String::from_utf8_lossy(&worked.stdout).into_owned();
    assert!(
        worked.contains("consumer stops: 7 done, 2 failed attempts"),
        "{worked}"
    );

    let queue = HttpQueue::connect(HttpOptions::from_url(&url).unwrap().token(token))
        .await
        .unwrap();
    let stats = queue
        .stats(Some(&QueueName::new("emails").unwrap()))
        .await
        .unwrap();
    let counts = stats.queues[&QueueName::new("emails").unwrap()];
    assert_eq!((counts.done, counts.failed, counts.queued), (7, 1, 0));
    let bounced = queue.status(&JobId::new("py-7").unwrap()).await.unwrap();
    assert_eq!(bounced.job.state, JobState::Failed);
    let error = bounced.job.last_error.unwrap_or_default();
    assert!(error.contains("does not exist"), "{error}");
    server.stop().await.unwrap();
}
