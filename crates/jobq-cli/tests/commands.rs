//! Every command of SPEC section 4 in scope, driven through the built binary: what it does,
//! and what it prints with `--json` and without.

mod common;

use common::Jobq;
use serde_json::json;

#[test]
fn submit_takes_the_payload_from_the_argument_or_stdin() {
    let q = Jobq::new();
    let a = q.submit("from the argument", &[]);
    let b = q
        .run_with_stdin(&["--json", "submit"], b"from\nstdin\xff")
        .expect(0)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(q.status(&a)["payload"], "from the argument");
    // Not UTF-8: carried as bytes, shown as base64.
    assert_eq!(q.status(&b)["payload_base64"], "ZnJvbQpzdGRpbv8=");
}

#[test]
fn submit_sets_id_queue_priority_delay_and_attempts() {
    let q = Jobq::new();
    let id = q.submit(
        "x",
        &[
            "--id",
            "job-1",
            "-q",
            "mail",
            "--priority",
            "-2",
            "--delay",
            "1h",
            "--max-attempts",
            "7",
        ],
    );
    assert_eq!(id, "job-1");
    let s = q.status("job-1");
    assert_eq!(s["queue"], "mail");
    assert_eq!(s["priority"], -2);
    assert_eq!(s["max_attempts"], 7);
    assert_eq!(s["attempts"], 0);
    assert_eq!(s["state"], "queued");
    let created: jobq::Timestamp = s["created_at"].as_str().unwrap().parse().unwrap();
    let run_at: jobq::Timestamp = s["run_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(run_at.duration_since(created).as_secs(), 3600);
    // Delayed: not ready yet.
    q.run(&["take", "-q", "mail"]).expect(3);
}

#[test]
fn human_submit_says_what_happened() {
    let q = Jobq::new();
    let run = q.run(&["submit", "--id", "j", "x"]).expect(0);
    assert_eq!(run.stdout.trim(), "submitted job j to queue default");
}

#[test]
fn submit_lines_makes_one_job_per_line_in_batches() {
    let q = Jobq::new();
    let input = (1..=2500)
        .map(|i| format!("line {i}\r\n"))
        .collect::<String>();
    let run = q
        .run_with_stdin(
            &[
                "--json", "submit", "--lines", "-q", "bulk", "--batch", "1000",
            ],
            input.as_bytes(),
        )
        .expect(0);
    assert_eq!(run.json(), json!({"submitted": 2500}));
    assert_eq!(q.stats()["queues"]["bulk"]["queued"], 2500);
    // Lines keep their order and lose their line ending.
    let first = q.take(&["-q", "bulk"]);
    assert_eq!(first["payload"], "line 1");
}

#[test]
fn take_complete_cycle_with_json_fields() {
    let q = Jobq::new();
    let id = q.submit("work", &[]);
    let job = q.take(&["--lease", "1m", "--worker", "w1"]);
    assert_eq!(job["id"], id.as_str());
    assert_eq!(job["queue"], "default");
    assert_eq!(job["payload"], "work");
    assert_eq!(job["attempt"], 1);
    let lease = job["lease"].as_str().unwrap();
    let done = q
        .run(&["--json", "complete", &id, "--lease", lease])
        .expect(0);
    assert_eq!(done.json(), json!({"id": id, "state": "done"}));
    let status = q.status(&id);
    assert_eq!(status["state"], "done");
    let kinds: Vec<_> = status["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["submitted", "taken", "completed"]);
    assert_eq!(status["history"][1]["worker"], "w1");
}

#[test]
fn take_waits_for_a_job_submitted_meanwhile() {
    let q = Jobq::new();
    // Open the store first so the waiting take and the submit race on an existing file.
    q.run(&["stats"]).expect(0);
    let waiting = q
        .command(&["--json", "take", "--wait", "30s"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    q.submit("late", &[]);
    let out = waiting.wait_with_output().unwrap();
    assert!(out.status.success());
    let job: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(job["payload"], "late");
}

#[test]
fn fail_retries_then_fails_for_good() {
    let q = Jobq::new();
    let id = q.submit("x", &["--max-attempts", "2"]);
    let lease = q.take(&[])["lease"].as_str().unwrap().to_owned();
    let first = q
        .run(&[
            "--json",
            "fail",
            &id,
            "--lease",
            &lease,
            "--error",
            "disk full",
        ])
        .expect(0)
        .json();
    assert_eq!(first["state"], "queued");
    assert!(first["retry_at"].is_string());
    assert_eq!(q.status(&id)["last_error"], "disk full");
    // Not ready again until its back-off (about a second) has passed; then attempt 2.
    let mut retried = None;
    common::wait_until(
        "the retry to become ready",
        std::time::Duration::from_secs(10),
        || {
            let run = q.run(&["--json", "take"]);
            if run.code == 0 {
                retried = Some(run.json());
            }
            retried.is_some()
        },
    );
    let retried = retried.unwrap();
    assert_eq!(retried["id"], id.as_str());
    assert_eq!(retried["attempt"], 2);
}

#[test]
fn fail_on_the_last_attempt_is_final() {
    let q = Jobq::new();
    let id = q.submit("x", &["--max-attempts", "1"]);
    let lease = q.take(&[])["lease"].as_str().unwrap().to_owned();
    let run = q
        .run(&["fail", &id, "--lease", &lease, "--error", "bad"])
        .expect(0);
    assert!(run.stdout.contains("no attempts left"), "{}", run.stdout);
    let s = q.status(&id);
    assert_eq!(s["state"], "failed");
    assert_eq!(s["last_error"], "bad");
}

#[test]
fn extend_moves_the_lease_end() {
    let q = Jobq::new();
    let id = q.submit("x", &[]);
    let job = q.take(&["--lease", "10s"]);
    let lease = job["lease"].as_str().unwrap();
    let before: jobq::Timestamp = job["lease_until"].as_str().unwrap().parse().unwrap();
    let out = q
        .run(&["--json", "extend", &id, "--lease", lease, "--by", "1h"])
        .expect(0)
        .json();
    let after: jobq::Timestamp = out["lease_until"].as_str().unwrap().parse().unwrap();
    assert!(
        after.duration_since(before).as_secs() >= 3500,
        "{before} -> {after}"
    );
    assert_eq!(out["id"], id.as_str());
}

#[test]
fn resubmit_by_id_and_all_failed() {
    let q = Jobq::new();
    let mut failed = Vec::new();
    for queue in ["a", "a", "b"] {
        let id = q.submit("x", &["-q", queue, "--max-attempts", "1"]);
        let lease = q.take(&["-q", queue])["lease"].as_str().unwrap().to_owned();
        q.run(&["fail", &id, "--lease", &lease]).expect(0);
        failed.push(id);
    }
    let one = q.run(&["--json", "resubmit", &failed[0]]).expect(0).json();
    assert_eq!(one, json!({"resubmitted": 1}));
    let s = q.status(&failed[0]);
    assert_eq!(
        (s["state"].as_str(), s["attempts"].as_u64()),
        (Some("queued"), Some(0))
    );
    let in_a = q
        .run(&["--json", "resubmit", "--failed", "-q", "a"])
        .expect(0)
        .json();
    assert_eq!(in_a, json!({"resubmitted": 1}));
    assert_eq!(q.status(&failed[2])["state"], "failed");
    let rest = q.run(&["--json", "resubmit", "--failed"]).expect(0).json();
    assert_eq!(rest, json!({"resubmitted": 1}));
}

#[test]
fn cancel_then_resubmit() {
    let q = Jobq::new();
    let a = q.submit("a", &[]);
    let b = q.submit("b", &[]);
    let out = q.run(&["--json", "cancel", &a, &b]).expect(0).json();
    assert_eq!(out, json!({"cancelled": 2}));
    q.run(&["take"]).expect(3);
    assert_eq!(q.status(&a)["state"], "cancelled");
    q.run(&["resubmit", &a]).expect(0);
    assert_eq!(q.take(&[])["id"], a.as_str());
}

#[test]
fn stats_counts_by_queue_and_state() {
    let q = Jobq::new();
    q.submit("1", &["-q", "x"]);
    q.submit("2", &["-q", "x"]);
    let id = q.submit("3", &["-q", "y"]);
    let lease = q.take(&["-q", "y"])["lease"].as_str().unwrap().to_owned();
    q.run(&["complete", &id, "--lease", &lease]).expect(0);
    let zero = json!({"queued": 0, "running": 0, "done": 0, "failed": 0, "cancelled": 0});
    let mut x = zero.clone();
    x["queued"] = json!(2);
    let mut y = zero;
    y["done"] = json!(1);
    assert_eq!(q.stats(), json!({"queues": {"x": x, "y": y}}));
    let only_y = q.run(&["--json", "stats", "-q", "y"]).expect(0).json();
    assert_eq!(only_y, json!({"queues": {"y": y}}));
    let human = q.run(&["stats"]).expect(0).stdout;
    assert!(
        human.lines().next().unwrap().starts_with("QUEUE"),
        "{human}"
    );
}

#[test]
fn list_is_newest_first_and_filters() {
    let q = Jobq::new();
    for i in 0..5 {
        q.submit(
            &format!("p{i}"),
            &[
                "--id",
                &format!("j{i}"),
                "-q",
                if i % 2 == 0 { "even" } else { "odd" },
            ],
        );
    }
    q.run(&["cancel", "j4"]).expect(0);
    let all: Vec<_> = q.run(&["--json", "list"]).expect(0).json_lines();
    let ids: Vec<_> = all.iter().map(|j| j["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["j4", "j3", "j2", "j1", "j0"]);
    let even: Vec<_> = q
        .run(&["--json", "list", "-q", "even", "--limit", "2"])
        .expect(0)
        .json_lines();
    assert_eq!(even.len(), 2);
    assert_eq!(even[0]["id"], "j4");
    let cancelled = q
        .run(&["--json", "list", "--state", "cancelled"])
        .expect(0)
        .json_lines();
    assert_eq!(cancelled.len(), 1);
    let human = q.run(&["list"]).expect(0).stdout;
    assert!(
        human.contains("j0") && human.contains("cancelled"),
        "{human}"
    );
}

#[test]
fn purge_deletes_finished_jobs_only() {
    let q = Jobq::new();
    let done = q.submit("d", &[]);
    let lease = q.take(&[])["lease"].as_str().unwrap().to_owned();
    q.run(&["complete", &done, "--lease", &lease]).expect(0);
    let waiting = q.submit("w", &[]);
    let kept = q
        .run(&["--json", "purge", "--state", "done", "--older-than", "1h"])
        .expect(0)
        .json();
    assert_eq!(kept, json!({"purged": 0}));
    let purged = q
        .run(&["--json", "purge", "--state", "done"])
        .expect(0)
        .json();
    assert_eq!(purged, json!({"purged": 1}));
    q.run(&["status", &done]).expect(3);
    q.status(&waiting);
}

#[test]
fn work_runs_the_command_per_job_and_prints_a_line_each() {
    let q = Jobq::new();
    q.submit("hello", &["--id", "a"]);
    q.submit("boom", &["--id", "b", "--max-attempts", "1"]);
    let script = r#"p=$(cat); [ "$p" = boom ] && { echo "exploded on $JOBQ_JOB_ID" >&2; exit 9; }; echo "$JOBQ_QUEUE/$JOBQ_JOB_ID/$JOBQ_ATTEMPT:$p""#;
    let run = q
        .run(&[
            "--json",
            "work",
            "-c",
            "2",
            "--exit-when-empty",
            "--",
            "sh",
            "-c",
            script,
        ])
        .expect(0);
    let mut lines = run.json_lines();
    lines.sort_by_key(|l| l["id"].as_str().unwrap().to_owned());
    assert_eq!(lines.len(), 2, "one line per job: {}", run.stdout);
    assert_eq!(lines[0]["outcome"], "done");
    assert_eq!(lines[0]["attempt"], 1);
    assert_eq!(lines[1]["outcome"], "failed");
    assert_eq!(lines[1]["error"], "sh exited with status 9: exploded on b");
    // With --json the command's own output goes to standard error.
    assert!(run.stderr.contains("default/a/1:hello"), "{}", run.stderr);
    assert_eq!(q.status("a")["state"], "done");
    assert_eq!(
        q.status("b")["last_error"],
        "sh exited with status 9: exploded on b"
    );
}

#[test]
fn work_without_json_passes_the_command_output_through() {
    let q = Jobq::new();
    q.submit("x", &["--id", "only"]);
    let run = q
        .run(&[
            "work",
            "--exit-when-empty",
            "--",
            "sh",
            "-c",
            "echo handled $JOBQ_JOB_ID",
        ])
        .expect(0);
    assert!(run.stdout.contains("handled only"), "{}", run.stdout);
    assert!(
        run.stdout.contains("done      job only (attempt 1 of 3"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("worker stopped: 1 done"),
        "{}",
        run.stdout
    );
}

#[test]
fn work_stops_on_sigterm_after_its_running_job_finishes() {
    let q = Jobq::new();
    q.submit("first", &["--id", "first"]);
    q.submit("second", &["--id", "second"]);
    let started = q.dir.path().join("started");
    let release = q.dir.path().join("release");
    // The handler says it started, then waits until the test lets it finish.
    let script = format!(
        "touch {started}; while [ ! -e {release} ]; do sleep 0.02; done",
        started = started.display(),
        release = release.display()
    );
    let errors = q.dir.path().join("work.err");
    let worker = q
        .command(&["--json", "work", "--", "sh", "-c", &script])
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&errors).unwrap())
        .spawn()
        .unwrap();
    let wait = std::time::Duration::from_secs(30);
    common::wait_until("the first job to start", wait, || started.exists());
    let term = std::process::Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    common::wait_until("the worker to say it is stopping", wait, || {
        std::fs::read_to_string(&errors).is_ok_and(|e| e.contains("stopping"))
    });
    // Only now may the running job finish: the worker must wait for it, then take no more.
    std::fs::write(&release, "").unwrap();
    let out = worker.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        std::fs::read_to_string(&errors).unwrap()
    );
    assert_eq!(
        q.status("first")["state"],
        "done",
        "the running job finished"
    );
    assert_eq!(
        q.status("second")["state"],
        "queued",
        "no job taken after SIGTERM"
    );
}
