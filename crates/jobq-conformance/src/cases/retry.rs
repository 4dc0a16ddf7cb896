//! Failed attempts: retries after an exponential back-off with jitter, `failed` when the
//! attempts run out, and settlements batched with a result each.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use jobq_core::{Clock, ErrorCode, EventKind, JobState, Queue, Settled, Settlement, Timestamp};

use crate::harness::Backend;
use crate::support::{
    assert_between, expect_err, fixture, id, job, ok, status, statuses, submit, submit_n, take,
    take_job, take_nothing, take_req,
};

/// `retry_at` must be within [`now + ceiling/2`, `now + ceiling`].
fn assert_backoff(what: &str, settled: Settled, now: Timestamp, ceiling: Duration) -> Timestamp {
    assert_eq!(settled.state, JobState::Queued, "{what}: attempts are left");
    let retry_at = settled
        .retry_at
        .unwrap_or_else(|| panic!("{what}: a retried job has a retry_at"));
    assert_between(what, retry_at, now + ceiling / 2, now + ceiling);
    retry_at
}

/// A failed attempt with attempts left goes back to `queued` with `run_at` pushed out by the
/// back-off (0.5–1 s after attempt 1, 1–2 s after attempt 2), keeps its error, is not taken
/// before its `retry_at` and is taken at it; the last failed attempt makes it `failed`. The
/// history shows each step.
///
/// Catches: retries without back-off, a back-off not stored as `run_at`, attempts not
/// counted, `last_error` lost, an old token that works after the retry.
pub async fn fail_retries_after_backoff<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let job_id = submit(&f.queue, job("a")).await;
    let l1 = take_job(&f.queue, "default").await;
    f.clock.advance(Duration::from_secs(2));
    let now1 = f.clock.now();
    let s1 = ok("fail 1", f.queue.fail(&job_id, &l1.lease, "boom 1").await);
    let t1 = assert_backoff("after attempt 1", s1, now1, Duration::from_secs(1));
    let read = status(&f.queue, &job_id).await.job;
    assert_eq!(
        (read.state, read.run_at, read.attempts),
        (JobState::Queued, t1, 1)
    );
    assert_eq!(read.last_error.as_deref(), Some("boom 1"));
    assert_eq!(read.updated_at, now1);

    f.clock.set(t1 - Duration::from_micros(1));
    take_nothing(&f.queue, "default", "1µs before retry_at").await;
    f.clock.set(t1);
    let l2 = take_job(&f.queue, "default").await;
    assert_eq!(l2.attempt, 2);
    assert_ne!(l2.lease, l1.lease, "a fresh token for attempt 2");
    let stale = f.queue.fail(&job_id, &l1.lease, "stale").await;
    expect_err("fail with attempt 1's token", stale, ErrorCode::LeaseLost);

    f.clock.advance(Duration::from_secs(3));
    let now2 = f.clock.now();
    let s2 = ok("fail 2", f.queue.fail(&job_id, &l2.lease, "boom 2").await);
    let t2 = assert_backoff("after attempt 2", s2, now2, Duration::from_secs(2));
    f.clock.set(t2);
    let l3 = take_job(&f.queue, "default").await;
    assert_eq!(l3.attempt, 3);
    let s3 = ok("fail 3", f.queue.fail(&job_id, &l3.lease, "boom 3").await);
    let failed = Settled {
        state: JobState::Failed,
        retry_at: None,
    };
    assert_eq!(s3, failed, "the last attempt failed");

    let read = status(&f.queue, &job_id).await;
    assert_eq!((read.job.state, read.job.attempts), (JobState::Failed, 3));
    assert_eq!(read.job.last_error.as_deref(), Some("boom 3"));
    let steps: Vec<_> = read
        .history
        .iter()
        .map(|e| (e.kind, e.state, e.attempt, e.error.as_deref()))
        .collect();
    use EventKind::{Failed, Submitted, Taken};
    use JobState::{Queued, Running};
    let expected = vec![
        (Submitted, Queued, 0, None),
        (Taken, Running, 1, None),
        (Failed, Queued, 1, Some("boom 1")),
        (Taken, Running, 2, None),
        (Failed, Queued, 2, Some("boom 2")),
        (Taken, Running, 3, None),
        (Failed, JobState::Failed, 3, Some("boom 3")),
    ];
    assert_eq!(steps, expected, "history");
    f.clock.advance(Duration::from_secs(7200));
    take_nothing(&f.queue, "default", "a failed job is not retried").await;
}

/// The back-off doubles with each attempt from 1 s and is capped at 1 h: after attempt n
/// the job waits between half and all of min(2^(n-1) s, 1 h).
///
/// Catches: a constant or linear back-off, no cap, an attempt counter off by one.
pub async fn backoff_doubles_and_is_capped<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let job_id = submit(&f.queue, job("a").max_attempts(14)).await;
    for attempt in 1..=13u32 {
        let leased = take_job(&f.queue, "default").await;
        assert_eq!(leased.attempt, attempt);
        let now = f.clock.now();
        let settled = ok("fail", f.queue.fail(&job_id, &leased.lease, "again").await);
        let ceiling = Duration::from_secs((1u64 << (attempt - 1)).min(3600));
        let what = format!("after attempt {attempt}");
        let retry_at = assert_backoff(&what, settled, now, ceiling);
        f.clock.set(retry_at);
    }
    let last = take_job(&f.queue, "default").await;
    let settled = ok("fail 14", f.queue.fail(&job_id, &last.lease, "last").await);
    assert_eq!(settled.state, JobState::Failed);
}

/// Jobs failing at the same instant come back at different times (jitter), all within the
/// bounds.
///
/// Catches: a back-off without jitter (every job failing together retries together).
pub async fn backoff_has_jitter<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    submit_n(&f.queue, "default", "job", 20).await;
    let leased = take(&f.queue, take_req("default").max(20)).await;
    assert_eq!(leased.len(), 20);
    let now = f.clock.now();
    let settlements = leased
        .iter()
        .map(|l| Settlement::fail(l.id.clone(), l.lease.clone(), "together"))
        .collect();
    let results = ok("settle", f.queue.settle(settlements).await);
    let mut times = BTreeSet::new();
    for result in results {
        let settled = ok("one settlement", result);
        times.insert(assert_backoff(
            "after attempt 1",
            settled,
            now,
            Duration::from_secs(1),
        ));
    }
    assert!(
        times.len() > 1,
        "20 jobs failing at once all retry at {times:?}"
    );
}

/// A long error keeps its last 8 KiB (where a failing program says what went wrong), cut at
/// a character boundary.
///
/// Catches: unbounded error text, text cut at its start, cut inside a character.
pub async fn last_error_keeps_its_end<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let error = format!("{}THE END", "é".repeat(10_000));
    let job_id = submit(&f.queue, job("a").max_attempts(1)).await;
    let leased = take_job(&f.queue, "default").await;
    ok("fail", f.queue.fail(&job_id, &leased.lease, &error).await);
    let kept = status(&f.queue, &job_id)
        .await
        .job
        .last_error
        .unwrap_or_default();
    assert!(
        (8 * 1024 - 3..=8 * 1024).contains(&kept.len()),
        "keeps about 8 KiB, kept {} bytes",
        kept.len()
    );
    assert!(error.ends_with(&kept), "keeps the end of the error");
}

/// A batch of settlements succeeds or fails item by item: a good complete, a token already
/// used, an unknown job, a good fail and another job's token each get their own answer, and
/// the good ones take effect.
///
/// Catches: one bad settlement failing (or rolling back) the whole batch, results out of
/// order, a token checked without its job.
pub async fn settle_batch_reports_each_item<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let [good, stale, failing, other] = ["good", "stale", "failing", "other"].map(id);
    for job_id in [&good, &stale, &failing, &other] {
        submit(&f.queue, job(job_id.as_str())).await;
    }
    let leases: HashMap<_, _> = take(&f.queue, take_req("default").max(4))
        .await
        .into_iter()
        .map(|l| (l.id, l.lease))
        .collect();
    ok("complete", f.queue.complete(&stale, &leases[&stale]).await);
    let now = f.clock.now();
    let results = ok(
        "settle",
        f.queue
            .settle(vec![
                Settlement::complete(good.clone(), leases[&good].clone()),
                Settlement::complete(stale.clone(), leases[&stale].clone()),
                Settlement::complete(id("unknown"), leases[&good].clone()),
                Settlement::fail(failing.clone(), leases[&failing].clone(), "nope"),
                Settlement::complete(other.clone(), leases[&good].clone()),
            ])
            .await,
    );
    let [r_good, r_stale, r_unknown, r_failing, r_other]: [_; 5] = results
        .try_into()
        .unwrap_or_else(|r: Vec<_>| panic!("one result per settlement, got {}", r.len()));
    let done = Settled {
        state: JobState::Done,
        retry_at: None,
    };
    assert_eq!(ok("the good complete", r_good), done);
    expect_err("a used token", r_stale, ErrorCode::LeaseLost);
    expect_err("an unknown job", r_unknown, ErrorCode::NotFound);
    let r_failing = ok("the good fail", r_failing);
    assert_backoff("the good fail", r_failing, now, Duration::from_secs(1));
    expect_err("another job's token", r_other, ErrorCode::LeaseLost);

    let read: Vec<_> = statuses(&f.queue, [&good, &stale, &failing, &other])
        .await
        .into_iter()
        .map(|s| s.job.state)
        .collect();
    use JobState::{Done, Queued, Running};
    assert_eq!(read, [Done, Done, Queued, Running]);
    let failed = status(&f.queue, &failing).await.job;
    assert_eq!(
        (failed.attempts, failed.last_error.as_deref()),
        (1, Some("nope"))
    );
}

/// The same lease presented twice in one batch settles once: the second is `LeaseLost`.
///
/// Catches: a batch that checks every token before applying any (done twice, G2; or a
/// fail and a complete both applied).
pub async fn settle_same_job_twice_in_a_batch<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let [a, b] = ["a", "b"].map(id);
    submit(&f.queue, job("a")).await;
    submit(&f.queue, job("b")).await;
    let leased = take(&f.queue, take_req("default").max(2)).await;
    let (la, lb) = (leased[0].lease.clone(), leased[1].lease.clone());
    let results = ok(
        "settle",
        f.queue
            .settle(vec![
                Settlement::complete(a.clone(), la.clone()),
                Settlement::complete(a.clone(), la),
                Settlement::fail(b.clone(), lb.clone(), "x"),
                Settlement::complete(b.clone(), lb),
            ])
            .await,
    );
    let mut results = results.into_iter();
    assert_eq!(
        ok("first complete", results.next().unwrap()).state,
        JobState::Done
    );
    expect_err(
        "second complete",
        results.next().unwrap(),
        ErrorCode::LeaseLost,
    );
    assert_eq!(ok("fail", results.next().unwrap()).state, JobState::Queued);
    expect_err(
        "complete after fail",
        results.next().unwrap(),
        ErrorCode::LeaseLost,
    );
    assert!(results.next().is_none(), "one result per settlement");

    let a_read = status(&f.queue, &a).await;
    let completions = a_read
        .history
        .iter()
        .filter(|e| e.kind == EventKind::Completed);
    assert_eq!(completions.count(), 1, "done once: {:?}", a_read.history);
    let b_read = status(&f.queue, &b).await.job;
    assert_eq!((b_read.state, b_read.attempts), (JobState::Queued, 1));
}
