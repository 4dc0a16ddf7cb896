//! A restart of PostgreSQL while producers and consumers run (SPEC section 8): afterwards
//! every job is done exactly once and none is lost, every failed call was a clear
//! `Error::Backend`, and the listening connection is back.
//!
//! The test never touches the shared server: it makes a throwaway cluster with `initdb` in a
//! temporary directory and runs it on a free port (as the `postgres` user when the test runs
//! as root), stops it with `pg_ctl stop -m fast` in the middle of the work and starts it
//! again. A guard stops the cluster however the test ends. Without the server binaries the
//! test skips loudly (and fails under `CI=true`).

mod support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jobq_core::{
    Error, ErrorCode, EventKind, JobId, JobState, NewJob, Queue, QueueName, Settlement, TakeRequest,
};
use jobq_postgres::{PostgresOptions, PostgresQueue};
use tokio::time::Instant;

/// Jobs completed before the restart, and submitted after it, at least.
const BEFORE: usize = 300;
const AFTER: usize = 300;

/// The longest the whole run may take.
const DEADLINE: Duration = Duration::from_secs(180);

/// A PostgreSQL cluster of its own in a temporary directory; stopped when dropped.
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    /// Makes and starts a cluster, or says why it cannot.
    fn start_new() -> Result<Self, String> {
        let bin = server_binaries().ok_or(
            "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql",
        )?;
        let as_postgres = is_root();
        let dir = tempfile::Builder::new()
            .prefix("jobq-pg-restart-")
            .tempdir()
            .map_err(|e| format!("a temporary directory: {e}"))?;
        if as_postgres {
            run(Command::new("chown").arg("postgres:").arg(dir.path()))?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("a free port: {e}"))?
            .port();
        let cluster = Self {
            bin,
            dir,
            port,
            as_postgres,
        };
        cluster.command("initdb").and_then(|mut initdb| {
            run(initdb
                .arg("-D")
                .arg(cluster.data())
                .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"])
                .arg("--no-sync"))
        })?;
        cluster.start()?;
        Ok(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `program` of the server binaries, run as `postgres` when we are root.
    fn command(&self, program: &str) -> Result<Command, String> {
        let path = self.bin.join(program);
        Ok(if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        })
    }

    /// Starts the server and waits (pg_ctl polls) until it accepts connections.
    fn start(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let mut pg_ctl = self.command("pg_ctl")?;
        run(pg_ctl
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("server.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"]))
    }

    /// Stops the server (`fast`: active connections are cut, as in a real restart) and
    /// waits until it is down.
    fn stop(&self, mode: &str) -> Result<(), String> {
        let mut pg_ctl = self.command("pg_ctl")?;
        run(pg_ctl
            .arg("-D")
            .arg(self.data())
            .args(["-w", "-t", "60", "-m", mode, "stop"]))
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop("immediate");
    }
}

/// Runs `command`, returning its output as the error when it fails.
fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("running {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The `bin` directory of the newest PostgreSQL under `/usr/lib/postgresql`.
fn server_binaries() -> Option<PathBuf> {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            let complete = bin.join("initdb").is_file() && bin.join("pg_ctl").is_file();
            complete.then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// What the workers saw.
#[derive(Default)]
struct Log {
    submitted: Mutex<HashSet<JobId>>,
    completed: AtomicUsize,
    after_restart: AtomicUsize,
    restarted: AtomicBool,
    producing: AtomicUsize,
    errors: Mutex<Vec<Error>>,
}

impl Log {
    fn failed(&self, err: Error) {
        self.errors.lock().unwrap().push(err);
    }
}

/// Retries `call` while it fails with `Error::Backend` (the server is away), pausing a
/// little longer each time, until the run's deadline. Other errors are returned.
async fn retry<T, F, Fut>(log: &Log, until: Instant, mut call: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut pause = Duration::from_millis(20);
    loop {
        match call().await {
            Err(err) if err.code() == ErrorCode::Backend && Instant::now() < until => {
                log.failed(err);
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(500));
            }
            other => return other,
        }
    }
}

/// Submits batches of 10 jobs until `AFTER` jobs went in after the restart. A batch whose
/// answer was lost is submitted again: `Duplicate` then means it was stored (a batch is
/// all or nothing, and its ids are this producer's alone).
async fn produce(queue: PostgresQueue, log: Arc<Log>, producer: usize, until: Instant) {
    for batch in 0.. {
        if log.restarted.load(Ordering::SeqCst) && log.after_restart.load(Ordering::SeqCst) >= AFTER
        {
            break;
        }
        let ids: Vec<JobId> = (0..10)
            .map(|i| JobId::new(format!("p{producer}-{batch:05}-{i}")).unwrap())
            .collect();
        let jobs: Vec<NewJob> = ids
            .iter()
            .map(|id| NewJob::new("work").id(id.clone()))
            .collect();
        match retry(&log, until, || queue.submit_batch(jobs.clone())).await {
            Ok(_) | Err(Error::Duplicate { .. }) => {}
            Err(err) => panic!("producer {producer}: {err}"),
        }
        log.submitted.lock().unwrap().extend(ids);
        if log.restarted.load(Ordering::SeqCst) {
            log.after_restart.fetch_add(10, Ordering::SeqCst);
        }
        // Pacing, so that the work spans the restart.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    log.producing.fetch_sub(1, Ordering::SeqCst);
}

/// Takes and completes jobs until the producers are done and nothing is queued or running.
async fn consume(queue: PostgresQueue, log: Arc<Log>, consumer: usize, until: Instant) {
    let req = TakeRequest::new(QueueName::default())
        .max(10)
        .lease(Duration::from_secs(3))
        .wait(Duration::from_millis(100))
        .worker(format!("consumer-{consumer}"));
    loop {
        let jobs = match retry(&log, until, || queue.take(req.clone())).await {
            Ok(jobs) => jobs,
            Err(err) => panic!("consumer {consumer}: {err}"),
        };
        if jobs.is_empty() {
            if log.producing.load(Ordering::SeqCst) == 0 {
                let stats = retry(&log, until, || queue.stats(None)).await.unwrap();
                let counts = stats.queues.values().next().copied().unwrap_or_default();
                if counts.queued == 0 && counts.running == 0 {
                    return;
                }
            }
            assert!(Instant::now() < until, "the work did not finish in time");
            continue;
        }
        let settlements: Vec<Settlement> = jobs
            .iter()
            .map(|j| Settlement::complete(j.id.clone(), j.lease.clone()))
            .collect();
        // A settlement whose answer is lost is not sent again: if it was not made, the
        // lease expires and the job comes back, as it would for a consumer that died.
        match queue.settle(settlements).await {
            Ok(results) => {
                let done = results.iter().filter(|r| r.is_ok()).count();
                log.completed.fetch_add(done, Ordering::SeqCst);
            }
            Err(err) if err.code() == ErrorCode::Backend => log.failed(err),
            Err(err) => panic!("consumer {consumer}: {err}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn restarting_postgres_under_load_loses_nothing_and_does_nothing_twice() {
    let cluster = match tokio::task::spawn_blocking(Cluster::start_new)
        .await
        .unwrap()
    {
        Ok(cluster) => Arc::new(cluster),
        Err(why) => {
            support::skip(&format!("cannot run a throwaway PostgreSQL: {why}"));
            return;
        }
    };
    let opts = PostgresOptions::from_url(&cluster.url())
        .unwrap()
        .schema("restart")
        .pool_size(6)
        .pool_timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .recheck_interval(Duration::from_millis(100));
    let queue = PostgresQueue::connect(opts.clone()).await.expect("connect");
    let other = PostgresQueue::connect(opts).await.expect("connect");
    let until = Instant::now() + DEADLINE;
    let log = Arc::new(Log::default());

    log.producing.store(2, Ordering::SeqCst);
    let mut workers = tokio::task::JoinSet::new();
    for producer in 0..2 {
        let q = [&queue, &other][producer].clone();
        workers.spawn(produce(q, Arc::clone(&log), producer, until));
    }
    for consumer in 0..3 {
        let q = [&queue, &other][consumer % 2].clone();
        workers.spawn(consume(q, Arc::clone(&log), consumer, until));
    }

    while log.completed.load(Ordering::SeqCst) < BEFORE {
        assert!(Instant::now() < until, "no progress before the restart");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let restarting = Arc::clone(&cluster);
    tokio::task::spawn_blocking(move || {
        restarting.stop("fast")?;
        restarting.start()
    })
    .await
    .unwrap()
    .expect("restart PostgreSQL");
    log.restarted.store(true, Ordering::SeqCst);

    while let Some(worker) = workers.join_next().await {
        worker.expect("a worker panicked");
    }

    // Nothing lost: every submitted job is there, done; nothing else is.
    let submitted = log.submitted.lock().unwrap().clone();
    assert!(
        submitted.len() >= BEFORE + AFTER,
        "{} submitted",
        submitted.len()
    );
    let stats = queue.stats(None).await.unwrap();
    let counts = stats.queues[&QueueName::default()];
    assert_eq!(counts.done, submitted.len() as u64, "{counts:?}");
    assert_eq!(counts.total(), counts.done, "{counts:?}");
    // Done once: one completion in each job's history.
    for id in &submitted {
        let status = queue.status(id).await.unwrap();
        assert_eq!(status.job.state, JobState::Done, "{id}");
        let completions = status
            .history
            .iter()
            .filter(|e| e.kind == EventKind::Completed)
            .count();
        assert_eq!(completions, 1, "{id} completed {completions} times");
    }
    // Every failure was a clear error naming the operation and the server.
    let errors: Vec<String> = log
        .errors
        .lock()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    for message in &errors {
        assert!(
            message.contains(&format!("127.0.0.1:{}", cluster.port)),
            "{message}"
        );
    }
    // The listening connection came back.
    let mut listening = false;
    while !listening && Instant::now() < until {
        listening = queue
            .check_notifications(Duration::from_secs(2))
            .await
            .unwrap_or(false);
    }
    assert!(listening, "notifications work again after the restart");
    let sample = &errors[..errors.len().min(3)];
    eprintln!(
        "restart: {} jobs done once each; {} calls failed while the server was away, \
         for example: {sample:#?}",
        submitted.len(),
        errors.len()
    );
}
