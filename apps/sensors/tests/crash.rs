//! 100 sensors × 1000 records through `sensors consume` processes that are SIGKILLed in
//! the middle of the run and replaced: the table ends with exactly the 100,000 rows of the
//! file, and chunks the killed consumers held were delivered again.

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{Db, assert_rows, consume_args, csv_rows, queue_in, run_ok, sensors};
use jobq::{JobState, ListQuery, Queue};

/// A `sensors consume` process, SIGKILLed when dropped.
struct Consumer(Child);

impl Consumer {
    fn start(db: &Db, queue: &str, name: &str, exit_when_empty: bool) -> Self {
        let mut args = consume_args(db, queue);
        args.extend(["--replicas", "3", "--lease", "1s", "--name", name]);
        if exit_when_empty {
            args.push("--exit-when-empty");
        }
        let child = sensors()
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sensors consume starts");
        Self(child)
    }

    /// SIGKILL: no chance to finish a chunk, complete its job or say goodbye.
    fn kill(mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }

    /// Waits for it to exit by itself, failing after `within`.
    fn wait(mut self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                assert!(status.success(), "a finishing consumer failed: {status}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "a consumer did not finish within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_consumers_lose_and_duplicate_nothing() {
    let Some(db) = common::database("crash").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("records.csv");
    let csv_arg = csv.to_str().unwrap();
    run_ok(&[
        "generate",
        "--sensors",
        "100",
        "--records",
        "1000",
        "--seed",
        "11",
        "--out",
        csv_arg,
    ]);
    let queue = queue_in(dir.path());

    // Consumers first, waiting on the empty queue; then the chunks (50 rows each, so
    // each consumer always has some in hand).
    let first: Vec<Consumer> = (1..=2)
        .map(|n| Consumer::start(&db, &queue, &format!("first-{n}"), false))
        .collect();
    run_ok(&["produce", csv_arg, "--chunk", "50", "--url", &queue]);

    let within = Duration::from_secs(120);
    db.wait_for_rows(15_000, within).await;
    for consumer in first {
        consumer.kill();
    }
    let at_first_kill = db.count().await;
    assert!(
        at_first_kill < 100_000,
        "the run ended before the first kill"
    );

    let second: Vec<Consumer> = (1..=2)
        .map(|n| Consumer::start(&db, &queue, &format!("second-{n}"), false))
        .collect();
    db.wait_for_rows(at_first_kill + 30_000, within).await;
    for consumer in second {
        consumer.kill();
    }
    assert!(
        db.count().await < 100_000,
        "the run ended before the second kill"
    );

    let last: Vec<Consumer> = (1..=2)
        .map(|n| Consumer::start(&db, &queue, &format!("last-{n}"), true))
        .collect();
    for consumer in last {
        consumer.wait(within);
    }

    assert_eq!(db.count().await, 100_000);
    assert_rows(&db, &csv_rows(&csv)).await;

    // Every chunk is done, and some were delivered more than once: the kills landed on
    // chunks in hand, which came back when their leases ran out.
    let store = jobq::connect(&queue).await.unwrap();
    let jobs = store
        .list(ListQuery {
            limit: 10_000,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(jobs.len(), 2000);
    assert!(
        jobs.iter().all(|j| j.state == JobState::Done),
        "a chunk is not done"
    );
    let again = jobs.iter().filter(|j| j.attempts > 1).count();
    assert!(
        again > 0,
        "no chunk was delivered twice: the kills landed between chunks"
    );
}
