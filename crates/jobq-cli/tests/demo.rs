//! `jobq demo`: the basic system of seed 000, run whole in one process and as separate role
//! processes on one store, checked from what the store recorded.

mod common;

use std::collections::HashSet;
use std::process::{Child, Stdio};
use std::time::Duration;

use common::{Jobq, wait_until};
use serde_json::Value;

const DEADLINE: Duration = Duration::from_secs(120);

/// The kinds of event in every job's history in `queue`, and the jobs.
fn histories(q: &Jobq, queue: &str) -> Vec<(String, String, Vec<String>)> {
    let list = q
        .run(&["--json", "list", "-q", queue, "--limit", "10000"])
        .expect(0);
    list.json_lines()
        .iter()
        .map(|job| {
            let id = job["id"].as_str().unwrap().to_owned();
            let kinds = q.status(&id)["history"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["kind"].as_str().unwrap().to_owned())
                .collect();
            (id, job["state"].as_str().unwrap().to_owned(), kinds)
        })
        .collect()
}

fn count(histories: &[(String, String, Vec<String>)], kind: &str) -> usize {
    histories
        .iter()
        .filter(|(_, _, k)| k.iter().any(|e| e == kind))
        .count()
}

#[test]
fn the_whole_system_produces_consumes_fails_and_resubmits() {
    let q = Jobq::new();
    let run = q
        .run(&[
            "--json",
            "demo",
            "--speed",
            "50",
            "--duration",
            "5s",
            "--fail-rate",
            "0.3",
            "--producers",
            "2",
            "--consumers",
            "3",
        ])
        .expect(0);
    let lines = run.json_lines();
    let events: HashSet<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    for event in [
        "submitted",
        "took",
        "done",
        "failed",
        "resubmitted",
        "status",
        "stopped",
    ] {
        assert!(
            events.contains(event),
            "no {event:?} line in {}",
            run.stdout
        );
    }
    let stopped = lines.last().unwrap();
    assert_eq!(stopped["event"], "stopped");
    let jobs = histories(&q, "demo");
    assert_eq!(
        jobs.len() as u64,
        stopped["submitted"].as_u64().unwrap(),
        "every job stored"
    );
    let done = jobs.iter().filter(|(_, state, _)| state == "done").count();
    assert_eq!(done as u64, stopped["done"].as_u64().unwrap());
    assert!(done > 10, "only {done} jobs done");
    assert!(count(&jobs, "failed") > 0, "no job failed");
    assert!(
        count(&jobs, "resubmitted") > 0,
        "the manager resubmitted nothing"
    );
    // The roles say who they are in the jobs' history.
    let taken_by: HashSet<String> = jobs
        .iter()
        .filter(|(_, state, _)| state == "done")
        .map(|(id, _, _)| {
            q.status(id)["history"][1]["worker"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(
        taken_by.iter().all(|w| w.starts_with("consumer-")),
        "{taken_by:?}"
    );
}

/// Starts `jobq --json demo ROLE ARGS` writing its output to `NAME.out`.
fn role(q: &Jobq, name: &str, args: &[&str]) -> Child {
    let out = std::fs::File::create(q.dir.path().join(format!("{name}.out"))).unwrap();
    let err = std::fs::File::create(q.dir.path().join(format!("{name}.err"))).unwrap();
    let mut all = vec!["--json", "demo", "--speed", "50"];
    all.extend_from_slice(args);
    q.command(&all)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap()
}

fn output(q: &Jobq, name: &str) -> Vec<Value> {
    std::fs::read_to_string(q.dir.path().join(format!("{name}.out")))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn stats(q: &Jobq) -> Value {
    q.stats()["queues"]["demo"].clone()
}

#[test]
fn the_roles_as_separate_processes_lose_no_job_when_a_consumer_is_killed() {
    let q = Jobq::new();
    q.run(&["stats"]).expect(0);
    let lines: String = (1..=20).map(|i| format!("row {i}\n")).collect();
    let file = q.dir.path().join("rows.csv");
    std::fs::write(&file, lines).unwrap();
    let processed = q.dir.path().join("processed.txt");
    let processed_arg = processed.to_str().unwrap().to_owned();
    let consumer_args = |name: &'static str| {
        vec![
            "consumer",
            "--name",
            name,
            "--fail-rate",
            "0.2",
            "--append",
            &processed_arg,
        ]
    };
    let mut consumers = vec![
        ("c1", role(&q, "c1", &consumer_args("c1"))),
        ("c2", role(&q, "c2", &consumer_args("c2"))),
        ("c3", role(&q, "c3", &consumer_args("c3"))),
    ];
    let manager = role(&q, "manager", &["manager", "--every", "5s"]);
    let ops = role(&q, "ops", &["ops", "--every", "5s"]);
    let ticker = role(&q, "p1", &["producer", "--name", "p1", "--duration", "3s"]);
    let reader = role(
        &q,
        "p2",
        &[
            "producer",
            "--name",
            "p2",
            "--from",
            file.to_str().unwrap(),
            "--every",
            "1s",
        ],
    );

    // Kill c1 with SIGKILL while it works on a job.
    wait_until("c1 to take a job", DEADLINE, || {
        output(&q, "c1").iter().any(|l| l["event"] == "took")
    });
    let (_, mut c1) = consumers.remove(0);
    c1.kill().unwrap();
    c1.wait().unwrap();
    let c1_lines = output(&q, "c1");
    let last_taken = c1_lines
        .iter()
        .rev()
        .find(|l| l["event"] == "took")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let settled: HashSet<&str> = c1_lines
        .iter()
        .filter(|l| l["event"] != "took")
        .filter_map(|l| l["id"].as_str())
        .collect();
    assert!(
        !settled.contains(last_taken.as_str()),
        "c1 was killed between jobs; kill sooner"
    );
    consumers.push(("c4", role(&q, "c4", &consumer_args("c4"))));

    for (name, mut producer) in [("p1", ticker), ("p2", reader)] {
        let status = producer.wait().unwrap();
        assert!(status.success(), "{name}: {status}");
    }
    let submitted: usize = ["p1", "p2"]
        .iter()
        .map(|p| {
            output(&q, p)
                .iter()
                .filter(|l| l["event"] == "submitted")
                .count()
        })
        .sum();
    wait_until("every job to be done", DEADLINE, || {
        stats(&q)["done"].as_u64() == Some(submitted as u64)
    });
    for (name, mut child) in consumers
        .into_iter()
        .chain([("manager", manager), ("ops", ops)])
    {
        let pid = child.id().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert!(status.success(), "{name}: {status}");
    }

    let jobs = histories(&q, "demo");
    assert_eq!(jobs.len(), submitted, "no job lost, none made up");
    assert!(jobs.iter().all(|(_, state, _)| state == "done"));
    let ids: HashSet<&str> = jobs.iter().map(|(id, _, _)| id.as_str()).collect();
    for line in 1..=20 {
        assert!(
            ids.contains(format!("rows.csv:{line}").as_str()),
            "line {line} of the file"
        );
    }
    let (_, _, killed) = jobs.iter().find(|(id, _, _)| *id == last_taken).unwrap();
    assert!(
        killed.iter().any(|k| k == "lease_expired"),
        "{last_taken}: {killed:?}"
    );
    assert!(
        count(&jobs, "resubmitted") > 0,
        "the manager resubmitted nothing"
    );
    let appended = std::fs::read_to_string(&processed).unwrap();
    for (id, _, _) in &jobs {
        assert!(
            appended.contains(id.as_str()),
            "{id} not in the consumers' file"
        );
    }
    assert!(output(&q, "ops").iter().any(|l| l["event"] == "status"));
}

/// The pm2 ecosystem file, evaluated by Node.js as pm2 would: the number of processes asked
/// for, and command lines that `jobq` accepts (each is run for a moment).
#[test]
fn the_pm2_ecosystem_starts_the_roles_asked_for() {
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/pm2/ecosystem.config.js"
    );
    let node = std::process::Command::new("node")
        .args([
            "-e",
            "console.log(JSON.stringify(require(process.argv[1]).apps))",
            config,
        ])
        .env("PRODUCERS", "3")
        .env("CONSUMERS", "4")
        .output();
    let node = match node {
        Ok(out) => out,
        Err(err) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("SKIPPED: node is not installed ({err}); the pm2 file is not checked");
            return;
        }
        Err(err) => panic!("node is needed to check the pm2 file: {err}"),
    };
    assert!(
        node.status.success(),
        "{}",
        String::from_utf8_lossy(&node.stderr)
    );
    let apps: Vec<Value> = serde_json::from_slice(&node.stdout).unwrap();
    let names: Vec<&str> = apps.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "producer-1",
            "producer-2",
            "producer-3",
            "consumer-1",
            "consumer-2",
            "consumer-3",
            "consumer-4",
            "manager",
            "ops"
        ]
    );
    for app in &apps {
        // Each on its own store, so that no consumer finds a producer's job to work on.
        let q = Jobq::new();
        assert!(
            app["watch"].as_array().is_some_and(|w| !w.is_empty()),
            "{app}"
        );
        let mut args: Vec<&str> = app["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        args.extend(["--duration", "10ms"]);
        let run = q.run(&args);
        assert_eq!(run.code, 0, "jobq {args:?}: {}", run.stderr);
    }
}

/// pm2, with a home of its own so that it meets no other pm2 daemon; killed when dropped.
struct Pm2 {
    home: tempfile::TempDir,
}

impl Pm2 {
    /// `None` (after a loud skip line) when pm2 is not installed; under `CI=true` that fails
    /// instead (`.ci/run` installs it).
    fn start() -> Option<Self> {
        let pm2 = Self {
            home: tempfile::tempdir().unwrap(),
        };
        match pm2.command(&["--version"]).output() {
            Ok(out) if out.status.success() => Some(pm2),
            found if std::env::var("CI").as_deref() != Ok("true") => {
                eprintln!("SKIPPED: pm2 is not installed ({found:?}); `npm install -g pm2`");
                None
            }
            found => panic!("pm2 is needed under CI=true: {found:?}"),
        }
    }

    fn command(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new("pm2");
        cmd.args(args)
            .env("PM2_HOME", self.home.path())
            .stdin(Stdio::null());
        cmd
    }

    /// Runs pm2 with `args`, failing the test when it fails.
    fn run(&self, cmd: &mut std::process::Command) -> String {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "pm2 failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Each process pm2 manages: its name and status.
    fn processes(&self) -> Vec<(String, String)> {
        let list = self.run(&mut self.command(&["jlist"]));
        // pm2 may print a notice before the JSON array.
        let json = &list[list.find('[').unwrap_or(0)..];
        let apps: Vec<Value> =
            serde_json::from_str(json.trim()).unwrap_or_else(|e| panic!("pm2 jlist ({e}): {list}"));
        apps.iter()
            .map(|a| {
                (
                    a["name"].as_str().unwrap_or_default().to_owned(),
                    a["pm2_env"]["status"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect()
    }
}

impl Drop for Pm2 {
    fn drop(&mut self) {
        let _ = self.command(&["kill"]).output();
    }
}

/// The README's pm2 section, run: the ecosystem starts the roles asked for, they are online
/// and work through jobs on one store, and pm2 stops them all.
#[test]
fn pm2_runs_the_basic_system_and_stops_it() {
    let Some(pm2) = Pm2::start() else { return };
    let q = Jobq::new();
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/pm2/ecosystem.config.js"
    );
    let bin = Jobq::bin();
    let mut start = pm2.command(&["start", config]);
    start
        .env("JOBQ_BIN", &bin)
        .env("JOBQ_URL", &q.url)
        .env("SPEED", "50")
        .env("PRODUCERS", "2")
        .env("CONSUMERS", "2");
    pm2.run(&mut start);
    let expected = [
        "consumer-1",
        "consumer-2",
        "manager",
        "ops",
        "producer-1",
        "producer-2",
    ];
    wait_until("every role online under pm2", DEADLINE, || {
        let mut online: Vec<String> = pm2
            .processes()
            .into_iter()
            .filter(|(_, status)| status == "online")
            .map(|(name, _)| name)
            .collect();
        online.sort();
        online == expected
    });
    wait_until("jobs done by the pm2 consumers", DEADLINE, || {
        q.stats()["queues"]["demo"]["done"].as_u64().unwrap_or(0) >= 5
    });
    let jobs = histories(&q, "demo");
    let producers: HashSet<String> = jobs
        .iter()
        .filter_map(|(id, _, _)| {
            q.status(id)["payload"]
                .as_str()
                .and_then(|p| p.split("from ").nth(1).map(str::to_owned))
        })
        .collect();
    assert_eq!(
        producers,
        HashSet::from(["producer-1".to_owned(), "producer-2".to_owned()]),
        "both producers submitted"
    );
    pm2.run(&mut pm2.command(&["delete", "all"]));
    assert!(pm2.processes().is_empty(), "pm2 stopped every role");
}
