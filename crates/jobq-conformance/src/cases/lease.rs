//! Leases: only the current token settles a job, a job is done at most once (G2), and a
//! lease that runs out gives the job back (G3).

use std::time::Duration;

use jobq_core::{Backoff, Clock, ErrorCode, EventKind, JobId, JobState, LeaseToken, Queue as _};

use crate::harness::Backend;
use crate::support::{
    LEASE, eventually, expect_err, expect_invalid, fixture, id, job, ok, queue, state, status,
    statuses, submit, take, take_after_backoff, take_job, take_nothing, take_req,
};

/// Complete makes a job `done` once: a second complete, a fail or an extend with the same
/// token is `LeaseLost` and changes nothing, and a done job is never taken again.
///
/// Catches: a token still valid after its job finished, a second `completed` event.
pub async fn complete_marks_done_once<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let job_id = submit(&f.queue, job("a")).await;
    let leased = take(&f.queue, take_req("default").worker("w-1")).await;
    let lease = leased[0].lease.clone();
    f.clock.advance(Duration::from_secs(1));
    let now = f.clock.now();
    ok("complete", f.queue.complete(&job_id, &lease).await);
    let done = status(&f.queue, &job_id).await;
    assert_eq!((done.job.state, done.job.attempts), (JobState::Done, 1));
    assert_eq!(done.job.updated_at, now);

    let again = f.queue.complete(&job_id, &lease).await;
    expect_err("a second complete", again, ErrorCode::LeaseLost);
    let fail = f.queue.fail(&job_id, &lease, "late").await;
    expect_err("fail after complete", fail, ErrorCode::LeaseLost);
    let extend = f.queue.extend(&job_id, &lease, LEASE).await;
    expect_err("extend after complete", extend, ErrorCode::LeaseLost);
    assert_eq!(
        status(&f.queue, &job_id).await,
        done,
        "refusals change nothing"
    );
    f.clock.advance(Duration::from_secs(3600));
    take_nothing(&f.queue, "default", "a done job").await;
}

/// A job's worker and lease end are shown only while it is `running`: completing, failing
/// (retried or final) and an expired lease all clear them.
///
/// Catches: a finished or re-queued job that still names a holder (`Job::worker` and
/// `Job::lease_until` are documented as "while running").
pub async fn holder_is_cleared_when_the_lease_ends<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let [done, retried, failed] = ["done", "retried", "failed"].map(id);
    submit(&f.queue, job("done")).await;
    submit(&f.queue, job("retried")).await;
    submit(&f.queue, job("failed").max_attempts(1)).await;
    let expiring = job("expired").queue(queue("expiring")).max_attempts(1);
    let expired = submit(&f.queue, expiring).await;
    let leased = take(&f.queue, take_req("default").max(3).worker("w-1")).await;
    let lease_of = |job_id: &JobId| {
        let leased = leased.iter().find(|l| l.id == *job_id);
        leased.expect("taken").lease.clone()
    };
    ok("complete", f.queue.complete(&done, &lease_of(&done)).await);
    ok(
        "fail",
        f.queue.fail(&retried, &lease_of(&retried), "x").await,
    );
    ok("fail", f.queue.fail(&failed, &lease_of(&failed), "x").await);
    take(&f.queue, take_req("expiring").worker("w-2")).await;
    f.clock.advance(LEASE + Duration::from_secs(1));
    take_nothing(&f.queue, "expiring", "its only attempt expired").await;
    eventually("the expired lease to end", || async {
        let read = status(&f.queue, &expired).await.job;
        (read.state == JobState::Failed).then_some(())
    })
    .await;
    for read in statuses(&f.queue, [&done, &retried, &failed, &expired]).await {
        let job = read.job;
        let holder = (job.worker.as_deref(), job.lease_until);
        let what = format!("{:?} is {}: no holder", job.id, job.state);
        assert_eq!(holder, (None, None), "{what}");
    }
}

/// A token from an earlier attempt (its lease expired and the job was taken again) is
/// refused by complete, fail and extend and changes nothing; the new holder still completes.
///
/// Catches: tokens reused between attempts, a lease checked by job id only, a stale
/// settlement that overwrites the new attempt.
pub async fn stale_lease_is_refused<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let job_id = submit(&f.queue, job("a")).await;
    let first = take_job(&f.queue, "default").await;
    f.clock.advance(LEASE + Duration::from_secs(1));
    let second = take_after_backoff(
        &f.queue,
        &f.clock,
        take_req("default"),
        Backoff::default().ceiling(1),
    )
    .await;
    assert_eq!((&second.id, second.attempt), (&job_id, 2));
    assert_ne!(second.lease, first.lease, "each attempt gets a fresh token");
    let before = status(&f.queue, &job_id).await;

    let stale = &first.lease;
    let complete = f.queue.complete(&job_id, stale).await;
    expect_err(
        "complete with a stale token",
        complete,
        ErrorCode::LeaseLost,
    );
    let fail = f.queue.fail(&job_id, stale, "stale").await;
    expect_err("fail with a stale token", fail, ErrorCode::LeaseLost);
    let extend = f.queue.extend(&job_id, stale, LEASE).await;
    expect_err("extend with a stale token", extend, ErrorCode::LeaseLost);
    let after = status(&f.queue, &job_id).await;
    assert_eq!(after, before, "stale tokens change nothing");
    assert_eq!(after.job.lease_until, Some(second.lease_until));

    ok(
        "complete by the new holder",
        f.queue.complete(&job_id, &second.lease).await,
    );
    assert_eq!(status(&f.queue, &job_id).await.job.state, JobState::Done);
}

/// A token never issued, or issued for another job, is `LeaseLost`; an unknown job is
/// `NotFound`; neither changes anything.
///
/// Catches: a token checked for existence only (any live token settling any job), a queued
/// job completed without ever being taken, a missing job reported as a lost lease.
pub async fn made_up_lease_and_unknown_id_are_refused<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let [a, b, queued] = ["a", "b", "queued"].map(id);
    for job_id in [&a, &b, &queued] {
        submit(&f.queue, job(job_id.as_str())).await;
    }
    let leased = take(&f.queue, take_req("default").max(2)).await;
    let (lease_a, lease_b) = (&leased[0].lease, &leased[1].lease);
    let made_up = LeaseToken::new("made-up-token").unwrap();
    let before = statuses(&f.queue, [&a, &b, &queued]).await;

    for (job_id, token, what) in [
        (&a, &made_up, "a made-up token"),
        (&a, lease_b, "another job's token"),
        (&queued, &made_up, "a made-up token on a queued job"),
        (&queued, lease_a, "another job's token on a queued job"),
    ] {
        let complete = f.queue.complete(job_id, token).await;
        expect_err(
            &format!("complete with {what}"),
            complete,
            ErrorCode::LeaseLost,
        );
        let fail = f.queue.fail(job_id, token, "x").await;
        expect_err(&format!("fail with {what}"), fail, ErrorCode::LeaseLost);
        let extend = f.queue.extend(job_id, token, LEASE).await;
        expect_err(&format!("extend with {what}"), extend, ErrorCode::LeaseLost);
    }
    let unknown = id("no-such-job");
    let complete = f.queue.complete(&unknown, lease_a).await;
    expect_err("complete of an unknown job", complete, ErrorCode::NotFound);
    let fail = f.queue.fail(&unknown, lease_a, "x").await;
    expect_err("fail of an unknown job", fail, ErrorCode::NotFound);
    let extend = f.queue.extend(&unknown, lease_a, LEASE).await;
    expect_err("extend of an unknown job", extend, ErrorCode::NotFound);

    let after = statuses(&f.queue, [&a, &b, &queued]).await;
    assert_eq!(after, before, "nothing changed");
    ok("complete a", f.queue.complete(&a, lease_a).await);
    ok("complete b", f.queue.complete(&b, lease_b).await);
}

/// Until its lease ends, a job is not taken again, and its holder can still complete it.
///
/// Catches: a lease measured in the wrong unit, or expired early.
pub async fn lease_holds_until_it_ends<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let job_id = submit(&f.queue, job("a")).await;
    let leased = take_job(&f.queue, "default").await;
    f.clock.advance(LEASE - Duration::from_millis(1));
    take_nothing(&f.queue, "default", "1ms before the lease ends").await;
    ok(
        "complete just in time",
        f.queue.complete(&job_id, &leased.lease).await,
    );
    assert_eq!(status(&f.queue, &job_id).await.job.state, JobState::Done);
}

/// When a lease runs out, its holder can no longer complete (G2) and the job comes back,
/// after its back-off, as attempt 2 with a new token; the expiry is in its history.
///
/// Catches: an expired lease that still completes (done twice), a job that never comes
/// back (lost, G3), an expiry that is not counted as an attempt.
pub async fn expired_lease_returns_the_job<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let job_id = submit(&f.queue, job("a")).await;
    let first = take(&f.queue, take_req("default").worker("w-1")).await;
    let first = &first[0];
    f.clock.advance(LEASE + Duration::from_secs(1));
    let late = f.queue.complete(&job_id, &first.lease).await;
    expect_err(
        "complete after the lease ran out",
        late,
        ErrorCode::LeaseLost,
    );
    assert_ne!(state(&f.queue, &job_id).await, JobState::Done);

    let second = take_after_backoff(
        &f.queue,
        &f.clock,
        take_req("default"),
        Backoff::default().ceiling(1),
    )
    .await;
    assert_eq!((&second.id, second.attempt), (&job_id, 2));
    assert_ne!(second.lease, first.lease, "a new token for the new attempt");
    assert_eq!(second.lease_until, f.clock.now() + LEASE);
    let read = status(&f.queue, &job_id).await;
    assert_eq!((read.job.state, read.job.attempts), (JobState::Running, 2));
    let expired = read
        .history
        .iter()
        .find(|e| e.kind == EventKind::LeaseExpired)
        .unwrap_or_else(|| panic!("no lease_expired event in {:?}", read.history));
    assert_eq!((expired.state, expired.attempt), (JobState::Queued, 1));
    ok(
        "complete by the new holder",
        f.queue.complete(&job_id, &second.lease).await,
    );
}

/// A lease that runs out on the last attempt makes the job `failed`, with a `last_error`
/// that says the lease ran out; its old holder cannot complete it.
///
/// Catches: a job stuck `running` forever (G3), an expired last attempt retried anyway, a
/// failure with no explanation.
pub async fn expired_lease_on_last_attempt_fails<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let job_id = submit(&f.queue, job("once").max_attempts(1)).await;
    let leased = take_job(&f.queue, "default").await;
    f.clock.advance(LEASE + Duration::from_secs(1));
    // A take gives the backend its chance to notice the expiry; it has nothing to hand out.
    take_nothing(&f.queue, "default", "no attempt left").await;
    let read = eventually("the job to be failed", || async {
        let read = status(&f.queue, &job_id).await;
        (read.job.state == JobState::Failed).then_some(read)
    })
    .await;
    let error = read.job.last_error.clone().unwrap_or_default();
    assert!(
        error.to_lowercase().contains("lease"),
        "last_error mentions the lease: {error:?}"
    );
    let last = read.history.last().unwrap();
    assert_eq!(
        (last.kind, last.state, last.attempt),
        (EventKind::LeaseExpired, JobState::Failed, 1)
    );

    let late = f.queue.complete(&job_id, &leased.lease).await;
    expect_err(
        "complete after the last lease ran out",
        late,
        ErrorCode::LeaseLost,
    );
    assert_eq!(status(&f.queue, &job_id).await, read, "nothing changed");
    f.clock.advance(Duration::from_secs(7200));
    take_nothing(&f.queue, "default", "a failed job is not retried").await;
}

/// Extend makes the lease last `lease_for` from now and returns its new end; the job is not
/// taken again before then; a zero or too long lease is refused and changes nothing.
///
/// Catches: extend adding to the old end, an extension not stored (the job re-taken at the
/// old end), a zero lease accepted.
pub async fn extend_renews_the_lease<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let job_id = submit(&f.queue, job("a")).await;
    let start = f.clock.now();
    let leased = take_job(&f.queue, "default").await;
    f.clock.advance(Duration::from_secs(20));
    let until = ok(
        "extend",
        f.queue.extend(&job_id, &leased.lease, LEASE).await,
    );
    let end = start + Duration::from_secs(50);
    assert_eq!(until, end, "now + lease_for");
    assert_eq!(status(&f.queue, &job_id).await.job.lease_until, Some(end));

    let zero = f.queue.extend(&job_id, &leased.lease, Duration::ZERO).await;
    expect_invalid("extend by zero", zero, "lease");
    let week = Duration::from_secs(8 * 86_400);
    let long = f.queue.extend(&job_id, &leased.lease, week).await;
    expect_invalid("extend by 8 days", long, "lease");
    assert_eq!(status(&f.queue, &job_id).await.job.lease_until, Some(end));

    f.clock.advance(Duration::from_secs(29));
    take_nothing(&f.queue, "default", "past the old end, before the new one").await;
    ok(
        "complete within the extension",
        f.queue.complete(&job_id, &leased.lease).await,
    );
    assert_eq!(status(&f.queue, &job_id).await.job.state, JobState::Done);
}

/// Extending a lease that already ran out is `LeaseLost`, even before the job was taken
/// again, and does not revive it.
///
/// Catches: extend as a way to resurrect an expired lease (two holders at once).
pub async fn extend_after_expiry_is_lease_lost<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let job_id = submit(&f.queue, job("a")).await;
    let leased = take_job(&f.queue, "default").await;
    f.clock.advance(LEASE + Duration::from_secs(1));
    let extend = f.queue.extend(&job_id, &leased.lease, LEASE).await;
    expect_err(
        "extend after the lease ran out",
        extend,
        ErrorCode::LeaseLost,
    );
    let complete = f.queue.complete(&job_id, &leased.lease).await;
    expect_err(
        "complete after a refused extend",
        complete,
        ErrorCode::LeaseLost,
    );
    let again = take_after_backoff(
        &f.queue,
        &f.clock,
        take_req("default"),
        Backoff::default().ceiling(1),
    )
    .await;
    assert_eq!((again.id, again.attempt), (job_id, 2));
}
