//! `jobq bench` with tiny sizes, so that it cannot rot: it runs every measurement, across
//! processes too, and prints the figures it promises.

mod common;

use common::Jobq;

#[test]
fn bench_prints_every_figure_as_one_json_object() {
    let q = Jobq::new();
    let run = q
        .command(&[
            "--json",
            "bench",
            "--jobs",
            "300",
            "--single-jobs",
            "20",
            "--batch",
            "50",
            "--concurrent-jobs",
            "200",
            "--processes",
            "2",
            "--pickups",
            "10",
            "--backlog",
            "2500",
            "--repeats",
            "1",
        ])
        .env_remove("JOBQ_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let figures: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    for key in [
        "submit_single_per_s",
        "submit_batched_per_s",
        "cycle_batched_per_s",
        "cycle_single_concurrent_per_s",
        "cycle_processes_per_s",
        "pickup_p50_ms",
        "pickup_p99_ms",
        "claim_backlog_ratio",
        "raw_limit_cycle_batched_per_s",
    ] {
        let value = figures[key]
            .as_f64()
            .unwrap_or_else(|| panic!("{key}: {figures}"));
        assert!(value.is_finite() && value > 0.0, "{key} = {value}");
    }
    assert!(figures["cycle_batched_per_s_of_raw"].as_f64().is_some());
    assert_eq!(figures["settings"]["processes"], 2);
    // Without --url the benchmark works on a scratch file, not on ./jobq.db.
    assert!(!q.dir.path().join("jobq.db").exists());
}

#[test]
fn bench_on_a_given_store_leaves_no_job_behind() {
    leaves_no_job_behind(&Jobq::new());
}

#[test]
fn bench_on_postgres_measures_the_raw_limit_and_leaves_no_job_behind() {
    let Some(q) = Jobq::postgres() else { return };
    let figures = leaves_no_job_behind(&q);
    let raw = figures["raw_limit_cycle_batched_per_s"].as_f64();
    assert!(raw.is_some_and(|r| r > 0.0), "{figures}");
}

/// Runs a tiny benchmark on `q`'s store, which holds one job of the user's, and checks that
/// only that job is left; returns the figures.
fn leaves_no_job_behind(q: &Jobq) -> serde_json::Value {
    q.submit("mine", &["--id", "mine"]);
    let figures = q
        .run(&[
            "--json",
            "bench",
            "--jobs",
            "100",
            "--single-jobs",
            "5",
            "--batch",
            "50",
            "--concurrent-jobs",
            "40",
            "--processes",
            "2",
            "--pickups",
            "3",
            "--backlog",
            "300",
            "--repeats",
            "1",
        ])
        .expect(0)
        .json();
    let stats = q.stats();
    let queues = stats["queues"].as_object().unwrap();
    assert_eq!(queues.len(), 1, "only the user's queue is left: {stats}");
    assert_eq!(stats["queues"]["default"]["queued"], 1);
    figures
}
