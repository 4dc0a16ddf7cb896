//! The example programs, run as a user would run them, one after another on one store: what
//! the README shows them doing is what they do.

use std::process::Command;

use jobq::{JobId, NewJob, Queue, QueueName};

/// Runs example `bin` on the store at `url`, expecting success; returns what it printed.
fn run(bin: &str, url: &str, args: &[&str]) -> String {
    let out = Command::new(bin)
        .args(args)
        .env("JOBQ_URL", url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{bin} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test]
async fn producer_consumer_manager_and_ops_share_one_queue() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("jobq.db").display());
    let producer = env!("CARGO_BIN_EXE_producer");
    let consumer = env!("CARGO_BIN_EXE_consumer");
    let manager = env!("CARGO_BIN_EXE_manager");
    let ops = env!("CARGO_BIN_EXE_ops");

    let first = run(producer, &url, &["5"]);
    assert_eq!(first.lines().count(), 5);
    assert!(first.contains("submitted photo-5"), "{first}");
    let again = run(producer, &url, &["5"]);
    assert!(again.contains("photo-3 was submitted before"), "{again}");

    let queue = jobq::connect(&url).await.unwrap();
    let corrupt = NewJob::new("holiday-corrupt.jpg")
        .id(JobId::new("holiday").unwrap())
        .queue(QueueName::new("images").unwrap())
        .max_attempts(1);
    queue.submit(corrupt).await.unwrap();

    let consumed = run(consumer, &url, &[]);
    assert!(
        consumed.contains("resized photo-1.jpg (attempt 1)"),
        "{consumed}"
    );
    assert!(
        consumed.contains("5 resized, 0 to retry, 1 failed"),
        "{consumed}"
    );

    let report = run(ops, &url, &[]);
    assert!(
        report.contains("images: 0 queued, 0 running, 5 done, 1 failed"),
        "{report}"
    );
    assert!(
        report.contains("failed: holiday after 1 attempts: holiday-corrupt.jpg: not a JPEG file"),
        "{report}"
    );

    assert!(run(manager, &url, &["--once"]).contains("resubmitted 1 failed jobs"));
    let report = run(ops, &url, &[]);
    assert!(
        report.contains("images: 1 queued, 0 running, 5 done, 0 failed"),
        "{report}"
    );
    assert!(
        report.contains("oldest waiting: holiday in images"),
        "{report}"
    );
}
