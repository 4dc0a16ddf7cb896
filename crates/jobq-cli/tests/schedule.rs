//! `jobq schedule` and the scheduler every `jobq work` runs: periodic jobs are added,
//! listed and removed, and with two workers running each tick is still submitted (and
//! handled) once.

mod common;

use std::collections::HashSet;
use std::process::Stdio;
use std::time::Duration;

use common::{Jobq, wait_until};
use serde_json::json;

#[test]
fn schedules_are_added_listed_replaced_and_removed() {
    let q = Jobq::new();
    let added = q
        .run(&[
            "--json",
            "schedule",
            "add",
            "tick",
            "--every",
            "1m",
            "-q",
            "ledger",
            "recompute",
        ])
        .expect(0)
        .json();
    assert_eq!(added["name"], "tick");
    assert_eq!(added["every"], "every 1m");
    assert_eq!(added["replaced"], false);
    let next: jobq::Timestamp = added["next"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        next.as_unix_micros() % 60_000_000,
        0,
        "on a minute boundary: {next}"
    );
    q.run(&[
        "schedule",
        "add",
        "nightly",
        "--cron",
        "30 3 * * *",
        "--priority",
        "5",
    ])
    .expect(0);
    let listed = q
        .run(&["--json", "schedule", "list"])
        .expect(0)
        .json_lines();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["name"], "nightly");
    assert_eq!(listed[0]["every"], "cron 30 3 * * *");
    assert_eq!(listed[0]["priority"], 5);
    assert!(
        listed[0]["next"].as_str().unwrap().ends_with("T03:30:00Z"),
        "{}",
        listed[0]
    );
    assert_eq!(listed[1]["payload"], "recompute");
    assert_eq!(listed[1]["queue"], "ledger");
    let again = q
        .run(&["--json", "schedule", "add", "tick", "--every", "5m"])
        .expect(0)
        .json();
    assert_eq!(again["replaced"], true);
    let human = q.run(&["schedule", "list"]).expect(0).stdout;
    assert!(human.contains("every 5m"), "{human}");
    let removed = q
        .run(&["--json", "schedule", "remove", "tick"])
        .expect(0)
        .json();
    assert_eq!(removed, json!({"name": "tick", "removed": true}));
    let missing = q.run(&["schedule", "remove", "tick"]).expect(3);
    assert!(
        missing.stderr.contains("no schedule named tick"),
        "{}",
        missing.stderr
    );
}

#[test]
fn bad_schedules_are_refused_naming_what_is_wrong() {
    let q = Jobq::new();
    let cases: [(&[&str], i32, &str); 5] = [
        (
            &["schedule", "add", "a b", "--every", "1m"],
            2,
            "invalid schedule name",
        ),
        (
            &["schedule", "add", "x", "--every", "0s"],
            1,
            "an interval is 1s to 366 days",
        ),
        (
            &["schedule", "add", "x", "--cron", "61 * * * *"],
            1,
            "invalid cron: \"61 * * * *\"",
        ),
        (&["schedule", "add", "x"], 2, "--every"),
        (
            &[
                "schedule",
                "add",
                "x",
                "--every",
                "1m",
                "--cron",
                "* * * * *",
            ],
            2,
            "cannot be used",
        ),
    ];
    for (args, code, needle) in cases {
        let run = q.run(args).expect(code);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
    assert_eq!(
        q.run(&["schedule", "list"]).expect(0).stdout.trim(),
        "no schedules"
    );
}

#[test]
fn three_workers_submit_and_handle_each_tick_once() {
    let q = Jobq::new();
    q.run(&[
        "schedule", "add", "beat", "--every", "1s", "-q", "beats", "hello",
    ])
    .expect(0);
    let log = q.dir.path().join("beats.log");
    let script = format!(r#"echo "$JOBQ_JOB_ID $(cat)" >> {}"#, log.display());
    let workers: Vec<_> = (0..3)
        .map(|_| {
            q.command(&["work", "-q", "beats", "--", "sh", "-c", &script])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let lines = || -> Vec<String> {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    };
    wait_until("four ticks to be handled", Duration::from_secs(60), || {
        lines().len() >= 4
    });
    for mut worker in workers {
        let pid = worker.id().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(worker.wait().unwrap().success());
    }
    let lines = lines();
    let ids: HashSet<&str> = lines.iter().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(ids.len(), lines.len(), "a tick handled twice: {lines:?}");
    for line in &lines {
        let (id, payload) = line.split_once(' ').unwrap();
        assert_eq!(payload, "hello");
        let tick: jobq::Timestamp = id.strip_prefix("beat@").unwrap().parse().unwrap();
        assert_eq!(
            tick.as_unix_micros() % 1_000_000,
            0,
            "{id} is on a whole second"
        );
    }
}
