//! The worker runtime against a real store (SQLite in a temporary directory): every job is
//! run and settled, failures and panics become failed attempts, leases are kept alive while
//! handlers run and lost leases stop them, shutdown lets running jobs finish.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jobq_core::{
    Backoff, EventKind, JobId, JobState, LeasedJob, ManualClock, NewJob, Queue, QueueName,
    Timestamp,
};
use jobq_sqlite::{SqliteOptions, SqliteQueue};
use jobq_worker::{CommandHandler, Ended, Report, Worker};
use tokio::sync::{Barrier, Notify};

/// Nothing in these tests should take this long.
const DEADLINE: Duration = Duration::from_secs(30);

struct Store {
    _dir: tempfile::TempDir,
    queue: SqliteQueue,
}

async fn store_with(configure: impl FnOnce(SqliteOptions) -> SqliteOptions) -> Store {
    let dir = tempfile::tempdir().unwrap();
    let opts = configure(SqliteOptions::new(dir.path().join("q.db")).backoff(Backoff::NONE));
    let queue = SqliteQueue::open(opts).await.unwrap();
    Store { _dir: dir, queue }
}

async fn store() -> Store {
    store_with(|o| o).await
}

fn default_queue() -> QueueName {
    QueueName::default()
}

async fn submit(queue: &SqliteQueue, names: &[&str]) -> Vec<JobId> {
    let jobs = names
        .iter()
        .map(|n| NewJob::new(*n).id(JobId::new(*n).unwrap()))
        .collect();
    queue.submit_batch(jobs).await.unwrap()
}

async fn bounded<F: std::future::Future>(fut: F) -> F::Output {
    tokio::time::timeout(DEADLINE, fut)
        .await
        .expect("the worker did not finish in time")
}

/// Collects every report.
fn recorder() -> (
    Arc<Mutex<Vec<Report>>>,
    impl Fn(&Report) + Send + Sync + 'static,
) {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&reports);
    (reports, move |r: &Report| {
        sink.lock().unwrap().push(r.clone())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_every_job_once_and_exits_when_empty() {
    let s = store().await;
    let names: Vec<String> = (0..25).map(|i| format!("job-{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let ids = submit(&s.queue, &refs).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handler = {
        let seen = Arc::clone(&seen);
        move |job: LeasedJob| {
            let seen = Arc::clone(&seen);
            async move {
                seen.lock().unwrap().push(job.id.clone());
                Ok::<_, String>(())
            }
        }
    };
    let summary = bounded(
        Worker::new(s.queue.clone(), default_queue())
            .concurrency(4)
            .exit_when_empty(true)
            .run(handler, std::future::pending()),
    )
    .await
    .unwrap();
    assert_eq!(summary.done, 25);
    assert_eq!(summary.total(), 25);
    let mut seen = seen.lock().unwrap().clone();
    seen.sort();
    assert_eq!(seen, ids, "each job handled exactly once");
    for id in &ids {
        assert_eq!(s.queue.status(id).await.unwrap().job.state, JobState::Done);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_up_to_concurrency_jobs_at_once() {
    let s = store().await;
    submit(&s.queue, &["a", "b", "c", "d"]).await;
    // Each handler waits until all four run together: with fewer at once this never ends.
    let barrier = Arc::new(Barrier::new(4));
    let handler = move |_job: LeasedJob| {
        let barrier = Arc::clone(&barrier);
        async move {
            barrier.wait().await;
            Ok::<_, String>(())
        }
    };
    let summary = bounded(
        Worker::new(s.queue.clone(), default_queue())
            .concurrency(4)
            .exit_when_empty(true)
            .run(handler, std::future::pending()),
    )
    .await
    .unwrap();
    assert_eq!(summary.done, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_and_panics_fail_the_attempt_with_their_text() {
    let s = store().await;
    let [bad, boom] = [
        NewJob::new("bad")
            .id(JobId::new("bad").unwrap())
            .max_attempts(2),
        NewJob::new("boom")
            .id(JobId::new("boom").unwrap())
            .max_attempts(1),
    ];
    s.queue.submit_batch(vec![bad, boom]).await.unwrap();
    let (reports, on_report) = recorder();
    let handler = |job: LeasedJob| async move {
        if job.payload == b"boom" {
            panic!("the disk caught fire");
        }
        Err(format!(
            "cannot parse {:?}",
            String::from_utf8_lossy(&job.payload)
        ))
    };
    let summary = bounded(
        Worker::new(s.queue.clone(), default_queue())
            .exit_when_empty(true)
            .on_report(on_report)
            .run(handler, std::future::pending()),
    )
    .await
    .unwrap();
    assert_eq!((summary.retried, summary.failed), (1, 2), "{summary:?}");
    let bad = s.queue.status(&JobId::new("bad").unwrap()).await.unwrap();
    assert_eq!(bad.job.state, JobState::Failed);
    assert_eq!(bad.job.attempts, 2);
    assert_eq!(bad.job.last_error.as_deref(), Some("cannot parse \"bad\""));
    let boom = s.queue.status(&JobId::new("boom").unwrap()).await.unwrap();
    assert_eq!(boom.job.state, JobState::Failed);
    let error = boom.job.last_error.unwrap();
    assert!(error.contains("panicked: the disk caught fire"), "{error}");
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 3);
    assert!(
        reports
            .iter()
            .any(|r| matches!(&r.ended, Ended::Retry { error, .. } if error.contains("parse")))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_keep_a_slow_handlers_lease() {
    let s = store().await;
    let [id] = submit(&s.queue, &["slow"]).await.try_into().unwrap();
    // The handler outlives three lease times: without heartbeats the lease would expire and
    // the job would go back to the queue as a second attempt.
    let handler = |_job: LeasedJob| async move {
        tokio::time::sleep(Duration::from_millis(900)).await;
        Ok::<_, String>(())
    };
    let summary = bounded(
        Worker::new(s.queue.clone(), default_queue())
            .lease(Duration::from_millis(300))
            .exit_when_empty(true)
            .run(handler, std::future::pending()),
    )
    .await
    .unwrap();
    assert_eq!(summary.done, 1);
    let status = s.queue.status(&id).await.unwrap();
    assert_eq!(status.job.state, JobState::Done);
    assert_eq!(
        status.job.attempts, 1,
        "one attempt: the lease never expired"
    );
    assert!(
        status
            .history
            .iter()
            .all(|e| e.kind != EventKind::LeaseExpired)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_lease_stops_the_handler() {
    let clock = ManualClock::new(Timestamp::now());
    let s = store_with(|o| o.clock(clock.clone())).await;
    // One attempt, so that once its lease is lost the job is not taken again.
    let id = JobId::new("stuck").unwrap();
    s.queue
        .submit(NewJob::new("stuck").id(id.clone()).max_attempts(1))
        .await
        .unwrap();
    let started = Arc::new(Notify::new());
    let dropped = Arc::new(AtomicUsize::new(0));
    let handler = {
        let (started, dropped) = (Arc::clone(&started), Arc::clone(&dropped));
        move |_job: LeasedJob| {
            let (started, dropped) = (Arc::clone(&started), Arc::clone(&dropped));
            async move {
                let _guard = DropCounter(dropped);
                started.notify_one();
                std::future::pending::<()>().await;
                Ok::<_, String>(())
            }
        }
    };
    let (reports, on_report) = recorder();
    let shutdown = Arc::new(Notify::new());
    let worker = tokio::spawn({
        let (queue, shutdown) = (s.queue.clone(), Arc::clone(&shutdown));
        async move {
            Worker::new(queue, default_queue())
                .lease(Duration::from_millis(300))
                .on_report(on_report)
                .run(handler, async move { shutdown.notified().await })
                .await
        }
    });
    bounded(started.notified()).await;
    // The store's time jumps past the lease: the next heartbeat finds it expired.
    clock.advance(Duration::from_secs(3600));
    bounded(async {
        while reports.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    shutdown.notify_one();
    let summary = bounded(worker).await.unwrap().unwrap();
    assert_eq!(summary.lost, 1);
    assert!(matches!(
        &reports.lock().unwrap()[0].ended,
        Ended::LeaseLost { reason } if reason.contains("lease lost")
    ));
    assert_eq!(dropped.load(Ordering::SeqCst), 1, "the handler was stopped");
    let job = s.queue.status(&id).await.unwrap().job;
    assert_eq!(job.state, JobState::Failed, "its only attempt expired");
    assert!(job.last_error.unwrap().contains("lease expired"));
}

struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_running_jobs_finish_and_takes_no_more() {
    let s = store().await;
    let ids = submit(&s.queue, &["first", "second", "third"]).await;
    let started = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    let handler = {
        let (started, release) = (Arc::clone(&started), Arc::clone(&release));
        move |_job: LeasedJob| {
            let (started, release) = (Arc::clone(&started), Arc::clone(&release));
            async move {
                started.notify_one();
                release.notified().await;
                Ok::<_, String>(())
            }
        }
    };
    let stop = Arc::new(Notify::new());
    let worker = tokio::spawn({
        let (queue, stop) = (s.queue.clone(), Arc::clone(&stop));
        async move {
            Worker::new(queue, default_queue())
                .run(handler, async move { stop.notified().await })
                .await
        }
    });
    bounded(started.notified()).await;
    stop.notify_one();
    release.notify_one();
    let summary = bounded(worker).await.unwrap().unwrap();
    assert_eq!(summary.done, 1, "the running job finished");
    let states: Vec<JobState> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push(s.queue.status(id).await.unwrap().job.state);
        }
        v
    };
    assert_eq!(
        states,
        [JobState::Done, JobState::Queued, JobState::Queued],
        "no job was taken after the shutdown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_get_the_payload_and_the_job_in_their_environment() {
    let s = store().await;
    let out = s._dir.path().join("out.txt");
    let job = NewJob::new("hello")
        .id(JobId::new("greet").unwrap())
        .queue(QueueName::new("mail").unwrap());
    s.queue.submit(job).await.unwrap();
    let script = format!(
        r#"printf '%s|%s|%s|%s|' "$JOBQ_JOB_ID" "$JOBQ_QUEUE" "$JOBQ_ATTEMPT" "$JOBQ_MAX_ATTEMPTS" > {out}; cat >> {out}"#,
        out = out.display()
    );
    let summary = bounded(
        Worker::new(s.queue.clone(), QueueName::new("mail").unwrap())
            .exit_when_empty(true)
            .run(
                CommandHandler::new("sh", ["-c", script.as_str()]),
                std::future::pending(),
            ),
    )
    .await
    .unwrap();
    assert_eq!(summary.done, 1);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "greet|mail|1|3|hello"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_command_fails_with_the_tail_of_its_stderr() {
    let s = store().await;
    s.queue
        .submit(
            NewJob::new("x")
                .id(JobId::new("x").unwrap())
                .max_attempts(1),
        )
        .await
        .unwrap();
    let script = "echo starting >&2; echo 'no such customer 42' >&2; exit 7";
    let summary = bounded(
        Worker::new(s.queue.clone(), default_queue())
            .exit_when_empty(true)
            .run(
                CommandHandler::new("sh", ["-c", script]),
                std::future::pending(),
            ),
    )
    .await
    .unwrap();
    assert_eq!(summary.failed, 1);
    let job = s.queue.status(&JobId::new("x").unwrap()).await.unwrap().job;
    assert_eq!(
        job.last_error.as_deref(),
        Some("sh exited with status 7: starting\nno such customer 42")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_that_cannot_start_fails_the_attempt_saying_why() {
    let s = store().await;
    s.queue
        .submit(
            NewJob::new("x")
                .id(JobId::new("x").unwrap())
                .max_attempts(1),
        )
        .await
        .unwrap();
    let summary = bounded(
        Worker::new(s.queue.clone(), default_queue())
            .exit_when_empty(true)
            .run(
                CommandHandler::new("/no/such/program", Vec::<String>::new()),
                std::future::pending(),
            ),
    )
    .await
    .unwrap();
    assert_eq!(summary.failed, 1);
    let job = s.queue.status(&JobId::new("x").unwrap()).await.unwrap().job;
    let error = job.last_error.unwrap();
    assert!(error.starts_with("cannot run /no/such/program"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_settings_are_refused_before_anything_is_taken() {
    let s = store().await;
    let [id] = submit(&s.queue, &["x"]).await.try_into().unwrap();
    let err = Worker::new(s.queue.clone(), default_queue())
        .lease(Duration::ZERO)
        .run(
            |_job: LeasedJob| async { Ok::<_, String>(()) },
            std::future::pending(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("invalid lease"), "{err}");
    assert_eq!(
        s.queue.status(&id).await.unwrap().job.state,
        JobState::Queued
    );
}
