//! Many `jobq` processes on one store at once (G4), and workers killed with SIGKILL in the
//! middle of their jobs (G2, G3): the `jobq` binary itself, as separate OS processes.
//!
//! Handlers are `sh` scripts that append `JOBQ_JOB_ID` to a log of their own, so the test
//! can tell how many times each job was handled, beside what the store says.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use common::{Jobq, wait_until};

/// How long a whole run may take before the test fails instead of hanging.
const DEADLINE: Duration = Duration::from_secs(240);

/// A handler: logs the job's id to `LOG`, sleeping a little for payloads that say `slow`
/// (and a little less for the others), so that workers overlap in every way.
fn handler_script(log: &Path) -> String {
    format!(
        r#"p=$(cat); case "$p" in *slow*) sleep 0.2;; *) sleep 0.01;; esac; echo "$JOBQ_JOB_ID" >> {log}"#,
        log = log.display()
    )
}

/// Starts `jobq work` with `args` and the logging handler; its output goes to files in the
/// store's directory, named after `name`.
fn start_worker(q: &Jobq, name: &str, args: &[&str], log: &Path) -> Child {
    let out = std::fs::File::create(q.dir.path().join(format!("{name}.out"))).unwrap();
    let err = std::fs::File::create(q.dir.path().join(format!("{name}.err"))).unwrap();
    let script = handler_script(log);
    let mut all = vec!["--json", "work", "--worker", name];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--", "sh", "-c", &script]);
    q.command(&all)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap()
}

/// Counts, over every log file in the store's directory, how often each id was handled.
fn handled(q: &Jobq) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for entry in std::fs::read_dir(q.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "log") {
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                *counts.entry(line.to_owned()).or_default() += 1;
            }
        }
    }
    counts
}

/// Every id in `queue`, with its state, attempts and number of `completed` events.
fn jobs_of(q: &Jobq, queue: &str) -> Vec<(String, String, u64, usize)> {
    let list = q
        .run(&["--json", "list", "-q", queue, "--limit", "10000"])
        .expect(0);
    list.json_lines()
        .iter()
        .map(|job| {
            let id = job["id"].as_str().unwrap().to_owned();
            let status = q.status(&id);
            let completed = status["history"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["kind"] == "completed")
                .count();
            (
                id,
                job["state"].as_str().unwrap().to_owned(),
                job["attempts"].as_u64().unwrap(),
                completed,
            )
        })
        .collect()
}

fn done_count(q: &Jobq, queue: &str) -> u64 {
    q.stats()["queues"][queue]["done"].as_u64().unwrap_or(0)
}

/// Sends SIGTERM and waits for a graceful exit with status 0.
fn stop(mut child: Child, name: &str) {
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success(), "kill -TERM {name}");
    let status = child.wait().unwrap();
    assert!(status.success(), "{name} exited with {status}");
}

/// Everything the processes wrote on standard error.
fn all_stderr(q: &Jobq) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(q.dir.path()).unwrap() {
        let path: PathBuf = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "err") {
            text.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
    text
}

/// Seed 001's experiment: producers and workers, short and slow handlers, all separate
/// processes on one store. Every job is done exactly once, and no process ever reports a
/// lock or busy error.
pub fn many_processes_share_one_store(q: &Jobq) {
    // Create the store before the crowd arrives, so every process opens an existing file.
    q.run(&["stats"]).expect(0);
    let workers: Vec<(String, Child)> = (0..6)
        .map(|i| {
            let name = format!("worker-{i}");
            let log = q.dir.path().join(format!("{name}.log"));
            let child = start_worker(q, &name, &["-q", "crowd", "-c", "3"], &log);
            (name, child)
        })
        .collect();
    // Four producers submit 150 lines each in small batches; two more submit one job per
    // process, 40 each. 680 jobs, a tenth of them slow.
    let batch_producers: Vec<_> = (0..4)
        .map(|p| {
            let lines: String = (0..150)
                .map(|i| {
                    let kind = if i % 10 == 0 { "slow" } else { "quick" };
                    format!("{kind} job {p}-{i}\n")
                })
                .collect();
            let mut child = q
                .command(&["--json", "submit", "--lines", "-q", "crowd", "--batch", "7"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            std::thread::spawn(move || {
                use std::io::Write;
                stdin.write_all(lines.as_bytes()).unwrap();
            });
            child
        })
        .collect();
    let single_producers: Vec<_> = (0..2)
        .map(|p| {
            let (url, dir) = (q.url.clone(), q.dir.path().to_owned());
            std::thread::spawn(move || {
                for i in 0..40 {
                    let payload = format!("single {p}-{i}");
                    let args = ["--json", "submit", "-q", "crowd", &payload];
                    let run = common::run_command(common::command_at(&url, &dir, &args), b"");
                    assert_eq!(run.code, 0, "single submit: {}", run.stderr);
                }
            })
        })
        .collect();
    for producer in batch_producers {
        let out = producer.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "submit --lines: {stderr}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("\"submitted\":150"));
    }
    for producer in single_producers {
        producer.join().unwrap();
    }
    let total = 4 * 150 + 2 * 40;
    wait_until("every job to be done", DEADLINE, || {
        done_count(q, "crowd") == total
    });
    for (name, child) in workers {
        stop(child, &name);
    }
    let jobs = jobs_of(q, "crowd");
    assert_eq!(jobs.len() as u64, total);
    let counts = handled(q);
    for (id, state, attempts, completed) in &jobs {
        assert_eq!(state, "done", "{id}");
        assert_eq!(
            (*attempts, *completed),
            (1, 1),
            "{id}: one attempt, completed once"
        );
        assert_eq!(counts.get(id), Some(&1), "{id} was handled once");
    }
    let stderr = all_stderr(q).to_lowercase();
    for word in ["locked", "busy", "error"] {
        assert!(
            !stderr.contains(word),
            "a process reported {word:?}: {stderr}"
        );
    }
}

/// Workers are killed with SIGKILL in the middle of their jobs, again and again, and
/// replaced. In the end every job is done exactly once (one `completed` in its history),
/// none is lost, and every job was handled at least once.
pub fn workers_killed_mid_job_lose_nothing(q: &Jobq) {
    let total = 120u64;
    let lines: String = (0..total).map(|i| format!("slow job {i}\n")).collect();
    q.run_with_stdin(
        &["--json", "submit", "--lines", "-q", "kill"],
        lines.as_bytes(),
    )
    .expect(0);
    // Short leases, so that the jobs of a killed worker come back quickly.
    let args = ["-q", "kill", "-c", "4", "--lease", "1s"];
    let mut next = 0;
    let mut spawn = |q: &Jobq| {
        let name = format!("victim-{next}");
        next += 1;
        let log = q.dir.path().join(format!("{name}.log"));
        (name.clone(), start_worker(q, &name, &args, &log))
    };
    let mut workers: Vec<(String, Child)> = (0..3).map(|_| spawn(q)).collect();
    let mut kills = 0;
    while kills < 8 {
        // Let the youngest worker get into its jobs, then kill the oldest mid-job.
        let youngest = workers.last().map(|(n, _)| n.clone()).unwrap();
        wait_until("a new worker to start a job", DEADLINE, || {
            std::fs::read_to_string(q.dir.path().join(format!("{youngest}.out")))
                .is_ok_and(|out| !out.is_empty())
                || done_count(q, "kill") == total
        });
        if done_count(q, "kill") == total {
            break;
        }
        let (name, mut victim) = workers.remove(0);
        victim.kill().unwrap();
        victim.wait().unwrap();
        kills += 1;
        eprintln!("killed {name} with SIGKILL");
        workers.push(spawn(q));
    }
    assert!(
        kills >= 3,
        "the jobs ended before enough workers were killed ({kills})"
    );
    wait_until("every job to be done", DEADLINE, || {
        done_count(q, "kill") == total
    });
    for (name, child) in workers {
        stop(child, &name);
    }
    let jobs = jobs_of(q, "kill");
    assert_eq!(jobs.len() as u64, total, "no job lost");
    let counts = handled(q);
    for (id, state, _attempts, completed) in &jobs {
        assert_eq!(state, "done", "{id}");
        assert_eq!(*completed, 1, "{id} reached done once");
        assert!(counts.get(id).is_some_and(|n| *n >= 1), "{id} was handled");
    }
    // The kills did land mid-job: some jobs needed a second attempt.
    let retried = jobs
        .iter()
        .filter(|(_, _, attempts, _)| *attempts > 1)
        .count();
    assert!(retried > 0, "no job was interrupted by the {kills} kills");
    eprintln!("{kills} workers killed; {retried} jobs needed another attempt");
}

#[test]
fn sqlite_many_processes_share_one_store() {
    many_processes_share_one_store(&Jobq::new());
}

#[test]
fn sqlite_workers_killed_mid_job_lose_nothing() {
    workers_killed_mid_job_lose_nothing(&Jobq::new());
}

#[test]
fn postgres_many_processes_share_one_store() {
    if let Some(q) = Jobq::postgres() {
        many_processes_share_one_store(&q);
    }
}

#[test]
fn postgres_workers_killed_mid_job_lose_nothing() {
    if let Some(q) = Jobq::postgres() {
        workers_killed_mid_job_lose_nothing(&q);
    }
}
