//! Bad input through the command line (G5): a clear message naming what was wrong, the exit
//! status of SPEC section 4, and nothing changed.

mod common;

use common::Jobq;

/// Asserts that a run failed with `code` and a message containing `needle`, and that the
/// store still holds exactly `jobs` jobs.
fn refused(q: &Jobq, args: &[&str], code: i32, needle: &str, jobs: u64) {
    let run = q.run(args).expect(code);
    assert!(
        run.stderr.contains(needle),
        "{args:?}: expected {needle:?} in {:?}",
        run.stderr
    );
    let total: u64 = q.stats()["queues"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|c| c.as_object().unwrap().values())
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(total, jobs, "{args:?} changed the store");
}

#[test]
fn malformed_arguments_are_usage_errors_naming_the_flag() {
    let q = Jobq::new();
    q.submit("x", &["--id", "existing"]);
    let long_id = "𝄞".repeat(2001);
    refused(
        &q,
        &["submit", "x", "--id", &long_id],
        2,
        "2001 characters, the limit is 2000",
        1,
    );
    refused(
        &q,
        &["submit", "x", "-q", "no spaces"],
        2,
        "invalid queue name",
        1,
    );
    refused(&q, &["submit", "x", "-q", ""], 2, "must not be empty", 1);
    refused(
        &q,
        &["submit", "x", "--delay", "soon"],
        2,
        "like 250ms, 30s, 5m or 1h",
        1,
    );
    refused(
        &q,
        &["submit", "x", "--max-attempts", "0"],
        2,
        "--max-attempts",
        1,
    );
    refused(&q, &["list", "--state", "finished"], 2, "\"finished\"", 1);
    refused(
        &q,
        &["purge", "--state", "queued"],
        1,
        "only finished jobs",
        1,
    );
    refused(&q, &["take", "--lease", "0s"], 1, "invalid lease", 1);
    refused(&q, &["frobnicate"], 2, "unrecognized subcommand", 1);
}

#[test]
fn a_2000_character_id_works_end_to_end() {
    let q = Jobq::new();
    let id = "𝄞".repeat(2000);
    q.submit("x", &["--id", &id]);
    let job = q.take(&[]);
    assert_eq!(job["id"], id.as_str());
    q.run(&["complete", &id, "--lease", job["lease"].as_str().unwrap()])
        .expect(0);
    assert_eq!(q.status(&id)["state"], "done");
}

#[test]
fn duplicate_id_is_refused_and_changes_nothing() {
    let q = Jobq::new();
    q.submit("first", &["--id", "same"]);
    refused(
        &q,
        &["submit", "second", "--id", "same"],
        1,
        "job \"same\" already exists",
        1,
    );
    assert_eq!(q.status("same")["payload"], "first");
}

#[test]
fn oversized_payload_is_refused_naming_the_limit() {
    let q = Jobq::new();
    let big = vec![b'x'; 1024 * 1024 + 1];
    let run = q.run_with_stdin(&["submit"], &big).expect(1);
    assert!(
        run.stderr
            .contains("1048577 bytes, the limit is 1048576 bytes"),
        "{}",
        run.stderr
    );
    assert_eq!(q.stats()["queues"], serde_json::json!({}));
}

#[test]
fn unknown_jobs_are_nothing_there() {
    let q = Jobq::new();
    q.run(&["status", "ghost"]).expect(3);
    q.run(&["complete", "ghost", "--lease", "abc"]).expect(3);
    q.run(&["fail", "ghost", "--lease", "abc"]).expect(3);
    q.run(&["extend", "ghost", "--lease", "abc"]).expect(3);
    q.run(&["resubmit", "ghost"]).expect(3);
    q.run(&["cancel", "ghost"]).expect(3);
    q.run(&["take"]).expect(3);
}

#[test]
fn stale_and_made_up_leases_are_refused() {
    let q = Jobq::new();
    let id = q.submit("x", &[]);
    let lease = q.take(&[])["lease"].as_str().unwrap().to_owned();
    refused(
        &q,
        &["complete", &id, "--lease", "not-the-lease"],
        1,
        "lease lost",
        1,
    );
    q.run(&["complete", &id, "--lease", &lease]).expect(0);
    refused(
        &q,
        &["complete", &id, "--lease", &lease],
        1,
        "the job is done now",
        1,
    );
    refused(&q, &["fail", &id, "--lease", &lease], 1, "lease lost", 1);
    assert_eq!(q.status(&id)["state"], "done");
}

#[test]
fn resubmit_and_cancel_in_the_wrong_state_change_nothing() {
    let q = Jobq::new();
    let queued = q.submit("q", &[]);
    let other = q.submit("o", &[]);
    q.run(&["cancel", &other]).expect(0);
    // One good id and one in the wrong state: neither moves.
    refused(
        &q,
        &["resubmit", &other, &queued],
        1,
        "resubmit applies only to failed or cancelled",
        2,
    );
    assert_eq!(q.status(&other)["state"], "cancelled");
    let lease_holder = q.take(&[]);
    assert_eq!(lease_holder["id"], queued.as_str());
    refused(
        &q,
        &["cancel", &queued],
        1,
        "cancel applies only to queued",
        2,
    );
}

#[test]
fn errors_are_json_with_json() {
    let q = Jobq::new();
    let run = q.run(&["--json", "status", "ghost"]).expect(3);
    assert_eq!(
        run.json(),
        serde_json::json!({"error": {"code": "not_found", "message": "job \"ghost\" not found", "id": "ghost"}})
    );
}

#[test]
fn bad_urls_are_refused_by_name() {
    let q = Jobq::new();
    let run = q.run(&["--url", "ftp://example.com/q", "stats"]).expect(1);
    assert!(
        run.stderr.contains("unknown scheme \"ftp\""),
        "{}",
        run.stderr
    );
    let run = q.run(&["--url", "sqlite:", "stats"]).expect(1);
    assert!(run.stderr.contains("names no file"), "{}", run.stderr);
}

#[test]
fn an_empty_standard_input_is_an_empty_payload() {
    // Standard input here is an empty pipe, which is a valid empty payload.
    let q = Jobq::new();
    let id = q.run(&["--json", "submit"]).expect(0).json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(q.status(&id)["payload"], "");
}

#[test]
fn submit_lines_reports_which_lines_were_not_submitted() {
    let q = Jobq::new();
    let mut input = String::new();
    for i in 0..3 {
        input.push_str(&format!("ok {i}\n"));
    }
    input.push_str(&"x".repeat(1024 * 1024 + 1));
    input.push('\n');
    let run = q
        .run_with_stdin(&["submit", "--lines", "--batch", "2"], input.as_bytes())
        .expect(1);
    assert!(
        run.stderr
            .contains("lines 3 to 4 were not submitted (2 jobs from earlier lines were)"),
        "{}",
        run.stderr
    );
    assert_eq!(q.stats()["queues"]["default"]["queued"], 2);
}
