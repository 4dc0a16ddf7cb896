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
