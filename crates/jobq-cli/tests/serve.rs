//! `jobq serve` as a process, and the command line and the worker runtime against it over
//! `http://`, with the same behaviour as against a local store.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Jobq, Run, command_at, run_command, wait_until};
use serde_json::json;

/// A `jobq serve` process over the store of `q`.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    /// Starts `jobq serve` on a free port and reads its address from its first line.
    fn start(q: &Jobq, extra: &[&str]) -> Self {
        let mut args = vec!["--json", "serve", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let mut child = q
            .command(&args)
            .env_remove("JOBQ_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let first: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("jobq serve's first line ({e}): {line:?}"));
        let url = first["listening"].as_str().unwrap().to_owned();
        Self { child, url }
    }

    /// Runs `jobq ARGS` against this server, with `token` in `JOBQ_TOKEN` when given.
    fn run(&self, q: &Jobq, args: &[&str], token: Option<&str>) -> Run {
        let mut cmd = command_at(&self.url, q.dir.path(), args);
        match token {
            Some(token) => cmd.env("JOBQ_TOKEN", token),
            None => cmd.env_remove("JOBQ_TOKEN"),
        };
        run_command(cmd, b"")
    }

    /// Sends SIGTERM and expects a graceful exit with status 0 within `within`.
    fn stop(mut self, within: Duration) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "jobq serve exited with {status}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "jobq serve still runs {within:?} after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of the sample `name` (without labels) at the server's `/metrics`, read with a
/// plain HTTP/1.0 request.
fn metric(url: &str, name: &str) -> Option<f64> {
    use std::io::{Read, Write};
    let addr = url.strip_prefix("http://")?;
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    write!(stream, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn commands_and_worker_work_over_http() {
    let q = Jobq::new();
    let server = Served::start(&q, &[]);
    let run = |args: &[&str]| server.run(&q, args, None);

    let id = run(&["--json", "submit", "--id", "job-1", "-q", "mail", "hello"])
        .expect(0)
        .json();
    assert_eq!(id, json!({"id": "job-1"}));
    // Same refusals as a local store, with the same exit statuses.
    let dup = run(&["submit", "--id", "job-1", "-q", "mail", "again"]).expect(1);
    assert!(dup.stderr.contains("already exists"), "{}", dup.stderr);
    run(&["status", "nope"]).expect(3);
    run(&["take", "-q", "empty"]).expect(3);

    let taken = run(&["--json", "take", "-q", "mail", "--worker", "w-1"])
        .expect(0)
        .json();
    assert_eq!(
        (&taken["id"], &taken["payload"]),
        (&json!("job-1"), &json!("hello"))
    );
    let lease = taken["lease"].as_str().unwrap();
    let stale = run(&["complete", "job-1", "--lease", "0000"]).expect(1);
    assert!(stale.stderr.contains("lease lost"), "{}", stale.stderr);
    let done = run(&["--json", "complete", "job-1", "--lease", lease])
        .expect(0)
        .json();
    assert_eq!(done, json!({"id": "job-1", "state": "done"}));

    let status = run(&["--json", "status", "job-1"]).expect(0).json();
    assert_eq!(status["state"], "done");
    let events: Vec<&str> = status["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["submitted", "taken", "completed"]);
    assert_eq!(status["history"][1]["worker"], "w-1");

    // A worker drains a queue and exits, as on a local store.
    let lines = "a\nb\nc\nd\n";
    let submitted = run_command(
        command_at(
            &server.url,
            q.dir.path(),
            &[
                "--json",
                "submit",
                "--lines",
                "-q",
                "work",
                "--max-attempts",
                "2",
            ],
        ),
        lines.as_bytes(),
    )
    .expect(0)
    .json();
    assert_eq!(submitted, json!({"submitted": 4}));
    let worked = run(&[
        "--json",
        "work",
        "-q",
        "work",
        "-c",
        "2",
        "--exit-when-empty",
        "--",
        "sh",
        "-c",
        "read line; test \"$line\" != c",
    ])
    .expect(0);
    let outcomes: Vec<String> = worked
        .json_lines()
        .iter()
        .map(|l| l["outcome"].as_str().unwrap().to_owned())
        .collect();
    // c fails, is retried after its back-off, and fails for good.
    assert_eq!(
        outcomes.iter().filter(|o| *o == "done").count(),
        3,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.iter().filter(|o| *o == "retry").count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.iter().filter(|o| *o == "failed").count(),
        1,
        "{outcomes:?}"
    );

    let stats = run(&["--json", "stats"]).expect(0).json();
    assert_eq!(stats["queues"]["mail"]["done"], 1);
    assert_eq!(stats["queues"]["work"]["done"], 3);
    assert_eq!(stats["queues"]["work"]["failed"], 1);
    let listed = run(&["--json", "list", "-q", "work", "--state", "done"]).expect(0);
    assert_eq!(listed.json_lines().len(), 3);

    // The server stops at once on SIGTERM, even with a take waiting on it.
    let mut waiting = command_at(
        &server.url,
        q.dir.path(),
        &["take", "-q", "idle", "--wait", "1h"],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    wait_until(
        "the take to wait on the server",
        Duration::from_secs(30),
        || metric(&server.url, "jobq_takes_waiting") == Some(1.0),
    );
    server.stop(Duration::from_secs(10));
    let _ = waiting.kill();
    let _ = waiting.wait();
}

#[test]
fn a_server_with_a_token_refuses_calls_without_it() {
    let q = Jobq::new();
    let server = Served::start(&q, &["--token", "s3cret-token"]);
    let refused = server.run(&q, &["submit", "x"], None).expect(1);
    assert!(
        refused.stderr.contains("needs a token"),
        "{}",
        refused.stderr
    );
    let wrong = server.run(&q, &["submit", "x"], Some("guess")).expect(1);
    assert!(
        wrong.stderr.contains("refused the token"),
        "{}",
        wrong.stderr
    );
    server
        .run(&q, &["submit", "x"], Some("s3cret-token"))
        .expect(0);
    // The token may also be in the URL.
    let url = server.url.replace("http://", "http://s3cret-token@");
    let stats = run_command(command_at(&url, q.dir.path(), &["--json", "stats"]), b"")
        .expect(0)
        .json();
    assert_eq!(stats["queues"]["default"]["queued"], 1);
}

#[test]
fn serve_refuses_an_open_public_address() {
    let q = Jobq::new();
    let run = q.run(&["serve", "--listen", "0.0.0.0:0"]).expect(2);
    assert!(run.stderr.contains("without a token"), "{}", run.stderr);
    let run = q.run(&["--url", "http://127.0.0.1:1", "serve"]).expect(2);
    assert!(
        run.stderr.contains("not in another server"),
        "{}",
        run.stderr
    );
}

#[test]
fn schedules_over_http_and_the_server_submits_their_ticks() {
    let q = Jobq::new();
    let served = Served::start(&q, &[]);
    let added = served
        .run(
            &q,
            &[
                "--json", "schedule", "add", "beat", "--every", "1s", "-q", "beats", "hi",
            ],
            None,
        )
        .expect(0)
        .json();
    assert_eq!(added["replaced"], false);
    let listed = served
        .run(&q, &["--json", "schedule", "list"], None)
        .expect(0)
        .json_lines();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["every"], "every 1s");
    assert_eq!(listed[0]["payload"], "hi");
    // The server runs the scheduler: ticks arrive in the queue without any worker.
    wait_until(
        "two ticks submitted by the server",
        Duration::from_secs(30),
        || {
            let stats = served
                .run(&q, &["--json", "stats", "-q", "beats"], None)
                .expect(0)
                .json();
            stats["queues"]["beats"]["queued"].as_u64().unwrap_or(0) >= 2
        },
    );
    let bad = served
        .run(&q, &["schedule", "add", "x", "--cron", "99 * * * *"], None)
        .expect(1);
    assert!(bad.stderr.contains("invalid cron"), "{}", bad.stderr);
    served
        .run(&q, &["schedule", "remove", "beat"], None)
        .expect(0);
    served
        .run(&q, &["schedule", "remove", "beat"], None)
        .expect(3);
    served.stop(Duration::from_secs(10));
}

#[test]
fn serve_purges_old_done_jobs_when_asked() {
    let q = Jobq::new();
    q.submit("x", &["--id", "finished"]);
    let job = q.take(&[]);
    q.run(&[
        "complete",
        "finished",
        "--lease",
        job["lease"].as_str().unwrap(),
    ])
    .expect(0);
    q.submit("y", &["--id", "waiting"]);
    let served = Served::start(&q, &["--retain-done", "1ms"]);
    wait_until("the done job to be purged", Duration::from_secs(30), || {
        served.run(&q, &["status", "finished"], None).code == 3
    });
    served.run(&q, &["status", "waiting"], None).expect(0);
    served.stop(Duration::from_secs(10));
}
