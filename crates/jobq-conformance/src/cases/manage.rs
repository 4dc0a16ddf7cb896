//! A manager's operations: resubmitting `failed` and `cancelled` jobs, cancelling `queued`
//! ones, by id (all or nothing) or by state.

use std::time::Duration;

use jobq_core::{Clock, EventKind, JobState, Queue, Select};

use crate::harness::Backend;
use crate::support::{
    expect_invalid, expect_invalid_state, expect_not_found, fixture, id, job, make_done,
    make_failed, ok, queue, state, status, statuses, submit, take_job, take_nothing,
};

/// Resubmitting a failed job queues it, ready now, with its attempts reset: it gets all its
/// attempts again.
///
/// Catches: attempts not reset (the job would fail at once), an old `run_at` kept, a
/// resubmission missing from the history.
pub async fn resubmit_failed_job_runs_again<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let job_id = make_failed(&f.queue, "default", "a", "boom").await;
    f.clock.advance(Duration::from_secs(3600));
    let now = f.clock.now();
    assert_eq!(
        ok(
            "resubmit",
            f.queue.resubmit(Select::id(job_id.clone())).await
        ),
        1
    );
    let read = status(&f.queue, &job_id).await;
    let job = &read.job;
    assert_eq!(
        (job.state, job.attempts, job.run_at),
        (JobState::Queued, 0, now)
    );
    assert_eq!(
        (job.updated_at, job.lease_until, job.worker.as_deref()),
        (now, None, None)
    );
    let last = read.history.last().unwrap();
    assert_eq!(
        (last.kind, last.state, last.at),
        (EventKind::Resubmitted, JobState::Queued, now)
    );
    let leased = take_job(&f.queue, "default").await;
    assert_eq!(
        (leased.id, leased.attempt, leased.max_attempts),
        (job_id.clone(), 1, 1)
    );
    ok("complete", f.queue.complete(&job_id, &leased.lease).await);
}

/// Resubmitting a cancelled job queues it, ready now even if it was delayed.
///
/// Catches: cancelled jobs left out of resubmit, a delayed `run_at` kept.
pub async fn resubmit_cancelled_job<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let job_id = submit(&f.queue, job("b").delay(Duration::from_secs(3600))).await;
    assert_eq!(
        ok("cancel", f.queue.cancel(Select::id(job_id.clone())).await),
        1
    );
    assert_eq!(state(&f.queue, &job_id).await, JobState::Cancelled);
    assert_eq!(
        ok(
            "resubmit",
            f.queue.resubmit(Select::id(job_id.clone())).await
        ),
        1
    );
    assert_eq!(state(&f.queue, &job_id).await, JobState::Queued);
    let leased = take_job(&f.queue, "default").await;
    assert_eq!((leased.id, leased.attempt), (job_id, 1));
}

/// Resubmitting a queued, running or done job is `InvalidState` naming it and its state; an
/// unknown id is `NotFound`; nothing changes.
///
/// Catches: a done job run again (G2), a running job duplicated.
pub async fn resubmit_refuses_other_states<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let running = submit(&f.queue, job("running")).await;
    take_job(&f.queue, "default").await;
    let done = make_done(&f.queue, "default", "done").await;
    let queued = submit(&f.queue, job("queued")).await;
    let before = statuses(&f.queue, [&running, &done, &queued]).await;
    for (job_id, current) in [
        (&queued, JobState::Queued),
        (&running, JobState::Running),
        (&done, JobState::Done),
    ] {
        let result = f.queue.resubmit(Select::id(job_id.clone())).await;
        expect_invalid_state(
            &format!("resubmit a {current} job"),
            result,
            job_id,
            current,
        );
    }
    let unknown = id("unknown");
    let result = f.queue.resubmit(Select::id(unknown.clone())).await;
    expect_not_found("resubmit an unknown job", result, &unknown);
    let after = statuses(&f.queue, [&running, &done, &queued]).await;
    assert_eq!(after, before, "nothing changed");
}

/// `Select::Ids` is all or nothing: one id in the wrong state, or unknown, among failed
/// ones resubmits none of them.
///
/// Catches: ids processed one by one, the good ones kept when a later one fails.
pub async fn resubmit_ids_is_all_or_nothing<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let f1 = make_failed(&f.queue, "default", "f1", "boom").await;
    let f2 = make_failed(&f.queue, "default", "f2", "boom").await;
    let q1 = submit(&f.queue, job("q1")).await;
    let unknown = id("unknown");
    let before = statuses(&f.queue, [&f1, &f2, &q1]).await;
    let mixed = Select::Ids(vec![f1.clone(), q1.clone(), f2.clone()]);
    let result = f.queue.resubmit(mixed).await;
    expect_invalid_state(
        "a queued job among failed ones",
        result,
        &q1,
        JobState::Queued,
    );
    let missing = Select::Ids(vec![f1.clone(), unknown.clone(), f2.clone()]);
    let result = f.queue.resubmit(missing).await;
    expect_not_found("an unknown job among failed ones", result, &unknown);
    assert_eq!(
        statuses(&f.queue, [&f1, &f2, &q1]).await,
        before,
        "nothing changed"
    );

    let both = Select::Ids(vec![f1.clone(), f2.clone()]);
    assert_eq!(ok("resubmit both", f.queue.resubmit(both).await), 2);
    for job_id in [&f1, &f2] {
        assert_eq!(state(&f.queue, job_id).await, JobState::Queued);
    }
}

/// `Select::State` resubmits every job in that state, of one queue or of all; a state
/// resubmit does not apply to is `InvalidInput`.
///
/// Catches: the queue filter ignored, the state filter ignored (cancelled jobs resubmitted
/// with failed ones), done jobs resubmitted in bulk.
pub async fn resubmit_by_state<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let a1 = make_failed(&f.queue, "alpha", "a1", "boom").await;
    let a2 = make_failed(&f.queue, "alpha", "a2", "boom").await;
    let b1 = make_failed(&f.queue, "beta", "b1", "boom").await;
    let ac = submit(&f.queue, job("ac").queue(queue("alpha"))).await;
    ok("cancel", f.queue.cancel(Select::id(ac.clone())).await);
    let states = async || {
        let read = statuses(&f.queue, [&a1, &a2, &b1, &ac]).await;
        read.into_iter().map(|s| s.job.state).collect::<Vec<_>>()
    };
    use JobState::{Cancelled, Failed, Queued};
    let failed_alpha = Select::State {
        state: Failed,
        queue: Some(queue("alpha")),
    };
    assert_eq!(
        ok(
            "resubmit failed alpha",
            f.queue.resubmit(failed_alpha).await
        ),
        2
    );
    assert_eq!(states().await, [Queued, Queued, Failed, Cancelled]);

    for bad in [JobState::Done, JobState::Queued, JobState::Running] {
        let which = Select::State {
            state: bad,
            queue: None,
        };
        expect_invalid(
            &format!("resubmit {bad} jobs"),
            f.queue.resubmit(which).await,
            "state",
        );
    }
    assert_eq!(
        states().await,
        [Queued, Queued, Failed, Cancelled],
        "nothing changed"
    );
    let cancelled = Select::State {
        state: Cancelled,
        queue: None,
    };
    assert_eq!(
        ok("resubmit cancelled", f.queue.resubmit(cancelled).await),
        1
    );
    let failed = Select::State {
        state: Failed,
        queue: None,
    };
    assert_eq!(
        ok("resubmit failed", f.queue.resubmit(failed.clone()).await),
        1
    );
    assert_eq!(states().await, [Queued, Queued, Queued, Queued]);
    assert_eq!(ok("resubmit none", f.queue.resubmit(failed).await), 0);
}

/// Cancelling queued jobs, ready or delayed, makes them `cancelled`: never taken, recorded
/// in the history.
///
/// Catches: a cancelled job still taken, a delayed job that runs once its time comes.
pub async fn cancel_queued_jobs<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let a = submit(&f.queue, job("a")).await;
    let b = submit(&f.queue, job("b").delay(Duration::from_secs(3600))).await;
    f.clock.advance(Duration::from_secs(5));
    let now = f.clock.now();
    let both = Select::Ids(vec![a.clone(), b.clone()]);
    assert_eq!(ok("cancel", f.queue.cancel(both).await), 2);
    for read in statuses(&f.queue, [&a, &b]).await {
        assert_eq!(
            (read.job.state, read.job.updated_at),
            (JobState::Cancelled, now)
        );
        let last = read.history.last().unwrap();
        assert_eq!(
            (last.kind, last.state),
            (EventKind::Cancelled, JobState::Cancelled)
        );
    }
    take_nothing(&f.queue, "default", "both are cancelled").await;
    f.clock.advance(Duration::from_secs(7200));
    take_nothing(&f.queue, "default", "the delayed one is cancelled too").await;
}

/// Cancelling a running, done or cancelled job is `InvalidState`, an unknown one
/// `NotFound`, one bad id among queued ones cancels none; the running job can still
/// complete.
///
/// Catches: a running job cancelled under its holder, a done job changed, partial cancels.
pub async fn cancel_refuses_other_states<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let running = submit(&f.queue, job("running")).await;
    let lease = take_job(&f.queue, "default").await.lease;
    let done = make_done(&f.queue, "default", "done").await;
    let cancelled = submit(&f.queue, job("cancelled")).await;
    ok(
        "cancel",
        f.queue.cancel(Select::id(cancelled.clone())).await,
    );
    let queued = submit(&f.queue, job("queued")).await;
    let all = [&running, &done, &cancelled, &queued];
    let before = statuses(&f.queue, all).await;
    for (job_id, current) in [
        (&running, JobState::Running),
        (&done, JobState::Done),
        (&cancelled, JobState::Cancelled),
    ] {
        let result = f.queue.cancel(Select::id(job_id.clone())).await;
        expect_invalid_state(&format!("cancel a {current} job"), result, job_id, current);
    }
    let unknown = id("unknown");
    expect_not_found(
        "cancel an unknown job",
        f.queue.cancel(Select::id(unknown.clone())).await,
        &unknown,
    );
    let mixed = Select::Ids(vec![queued.clone(), running.clone()]);
    let result = f.queue.cancel(mixed).await;
    expect_invalid_state(
        "a running job among queued ones",
        result,
        &running,
        JobState::Running,
    );
    for bad in [JobState::Running, JobState::Done, JobState::Failed] {
        let which = Select::State {
            state: bad,
            queue: None,
        };
        expect_invalid(
            &format!("cancel {bad} jobs"),
            f.queue.cancel(which).await,
            "state",
        );
    }
    assert_eq!(statuses(&f.queue, all).await, before, "nothing changed");
    ok(
        "complete the running job",
        f.queue.complete(&running, &lease).await,
    );
}

/// `Select::State { state: Queued, queue }` cancels the queued jobs of that queue only, or
/// of every queue; running jobs are left alone.
///
/// Catches: the queue filter ignored, running jobs swept up with queued ones.
pub async fn cancel_by_state<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let alpha = |name: &str| job(name).queue(queue("alpha"));
    let ar = submit(&f.queue, alpha("ar")).await;
    take_job(&f.queue, "alpha").await;
    let a1 = submit(&f.queue, alpha("a1")).await;
    let a2 = submit(&f.queue, alpha("a2").delay(Duration::from_secs(60))).await;
    let b1 = submit(&f.queue, job("b1").queue(queue("beta"))).await;
    let states = async || {
        let read = statuses(&f.queue, [&ar, &a1, &a2, &b1]).await;
        read.into_iter().map(|s| s.job.state).collect::<Vec<_>>()
    };
    use JobState::{Cancelled, Queued, Running};
    let queued_alpha = Select::State {
        state: Queued,
        queue: Some(queue("alpha")),
    };
    assert_eq!(
        ok("cancel queued alpha", f.queue.cancel(queued_alpha).await),
        2
    );
    assert_eq!(states().await, [Running, Cancelled, Cancelled, Queued]);
    let queued_all = Select::State {
        state: Queued,
        queue: None,
    };
    assert_eq!(ok("cancel queued", f.queue.cancel(queued_all).await), 1);
    assert_eq!(states().await, [Running, Cancelled, Cancelled, Cancelled]);
}
