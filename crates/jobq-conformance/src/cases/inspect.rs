//! Reading the store: a job's history, counts by queue and state, lists, and purging old
//! finished jobs.

use std::collections::BTreeMap;
use std::time::Duration;

use jobq_core::{
    Backoff, Clock, ErrorCode, Event, EventKind, Job, JobState, ListQuery, PurgeQuery, Queue,
    QueueCounts, Select, Stats,
};

use crate::harness::Backend;
use crate::support::{
    assert_between, expect_err, expect_invalid, fixture, job, make_done, make_failed, ok, queue,
    state, status, statuses, submit, take, take_after_backoff, take_job, take_req,
};

/// Asserts that `event` is `kind` to `state` for `attempt`, with `error`, whose worker is
/// `worker` when it is a take and at most `worker` otherwise (a settlement or an expiry may
/// name the holder, and may not name anyone else).
fn assert_event(
    event: &Event,
    (kind, state, attempt): (EventKind, JobState, u32),
    worker: Option<&str>,
    error: Option<&str>,
) {
    assert_eq!(
        (event.kind, event.state, event.attempt),
        (kind, state, attempt),
        "{event:?}"
    );
    if kind == EventKind::Taken || worker.is_none() {
        assert_eq!(event.worker.as_deref(), worker, "the worker of {event:?}");
    } else {
        assert!(
            event.worker.is_none() || event.worker.as_deref() == worker,
            "the worker of {event:?} is not {worker:?}"
        );
    }
    assert_eq!(event.error.as_deref(), error, "the error of {event:?}");
}

/// Every transition is recorded, in order, with its time, kind, resulting state, attempt,
/// worker and error: a failed attempt, an expired lease, a completion, a cancel and a
/// resubmit; and every handle reads the same history.
///
/// Catches: transitions not recorded (an expiry is easy to miss), events out of order,
/// the wrong attempt number, times not taken from the clock, workers not recorded.
pub async fn history_records_every_transition<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let t0 = f.clock.now();
    let a = submit(&f.queue, job("a")).await;
    let step = Duration::from_secs(1);
    let lease = Duration::from_secs(10);
    let req = |worker: &str| take_req("default").lease(lease).worker(worker);
    f.clock.advance(step);
    let t1 = f.clock.now();
    let l1 = take(&f.queue, req("w-1")).await.remove(0);
    f.clock.advance(step);
    let t2 = f.clock.now();
    let retry_at = ok("fail", f.queue.fail(&a, &l1.lease, "first error").await).retry_at;
    f.clock.set(retry_at.expect("a retry"));
    let t3 = f.clock.now();
    take(&f.queue, req("w-2")).await.remove(0);
    f.clock.advance(lease + step);
    let l3 = take_after_backoff(
        &f.queue,
        &f.clock,
        req("w-3"),
        Backoff::default().ceiling(2),
    );
    let l3 = l3.await;
    let t4 = f.clock.now();
    f.clock.advance(step);
    let t5 = f.clock.now();
    ok("complete", f.queue.complete(&a, &l3.lease).await);

    let history = status(&f.queue, &a).await.history;
    use EventKind::{Completed, Failed, LeaseExpired, Submitted, Taken};
    use JobState::{Done, Queued, Running};
    let [e0, e1, e2, e3, e4, e5, e6] = history.as_slice() else {
        panic!("expected 7 events, got {history:#?}");
    };
    assert_event(e0, (Submitted, Queued, 0), None, None);
    assert_event(e1, (Taken, Running, 1), Some("w-1"), None);
    assert_event(e2, (Failed, Queued, 1), Some("w-1"), Some("first error"));
    assert_event(e3, (Taken, Running, 2), Some("w-2"), None);
    let lease_error = e4.error.clone().unwrap_or_default();
    assert!(
        lease_error.to_lowercase().contains("lease"),
        "{e4:?} names the lease"
    );
    assert_event(
        e4,
        (LeaseExpired, Queued, 2),
        Some("w-2"),
        Some(&lease_error),
    );
    assert_event(e5, (Taken, Running, 3), Some("w-3"), None);
    assert_event(e6, (Completed, Done, 3), Some("w-3"), None);
    let times = [e0.at, e1.at, e2.at, e3.at, e5.at, e6.at];
    assert_eq!(
        times,
        [t0, t1, t2, t3, t4, t5],
        "each event at the clock's time"
    );
    assert_between("the expiry event", e4.at, t3 + lease, t4);
    let other = f.connect().await;
    assert_eq!(
        status(&other, &a).await.history,
        history,
        "from another handle"
    );

    let b = submit(&f.queue, job("b")).await;
    f.clock.advance(step);
    ok("cancel", f.queue.cancel(Select::id(b.clone())).await);
    f.clock.advance(step);
    ok("resubmit", f.queue.resubmit(Select::id(b.clone())).await);
    let steps: Vec<_> = status(&f.queue, &b)
        .await
        .history
        .iter()
        .map(|e| (e.kind, e.state, e.at))
        .collect();
    let expected = [
        (Submitted, Queued, t5),
        (EventKind::Cancelled, JobState::Cancelled, t5 + step),
        (EventKind::Resubmitted, Queued, t5 + step * 2),
    ];
    assert_eq!(steps, expected, "cancel and resubmit are recorded");
}

/// Stats count jobs exactly by queue and state, list only queues that hold jobs, and
/// filter by queue.
///
/// Catches: delayed or running jobs left out of `queued`/`running`, counts mixed between
/// queues, the queue filter ignored.
pub async fn stats_count_by_queue_and_state<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    assert_eq!(
        ok("stats", f.queue.stats(None).await),
        Stats::default(),
        "an empty store"
    );
    let alpha = |name: &str| job(name).queue(queue("alpha"));
    make_done(&f.queue, "alpha", "a-done").await;
    make_failed(&f.queue, "alpha", "a-failed", "boom").await;
    submit(&f.queue, alpha("a-running")).await;
    take_job(&f.queue, "alpha").await;
    let cancelled = submit(&f.queue, alpha("a-cancelled")).await;
    ok("cancel", f.queue.cancel(Select::id(cancelled)).await);
    submit(&f.queue, alpha("a-queued")).await;
    submit(&f.queue, alpha("a-later").delay(Duration::from_secs(60))).await;
    make_done(&f.queue, "beta", "b-done").await;
    submit(&f.queue, job("b-queued").queue(queue("beta"))).await;

    let alpha_counts = QueueCounts {
        queued: 2,
        running: 1,
        done: 1,
        failed: 1,
        cancelled: 1,
    };
    let beta_counts = QueueCounts {
        queued: 1,
        done: 1,
        ..QueueCounts::default()
    };
    let all = BTreeMap::from([(queue("alpha"), alpha_counts), (queue("beta"), beta_counts)]);
    assert_eq!(ok("stats", f.queue.stats(None).await).queues, all);
    let only_alpha = ok("stats alpha", f.queue.stats(Some(&queue("alpha"))).await);
    assert_eq!(
        only_alpha.queues,
        BTreeMap::from([(queue("alpha"), alpha_counts)])
    );
    let gamma = ok("stats gamma", f.queue.stats(Some(&queue("gamma"))).await);
    assert_eq!(gamma, Stats::default(), "a queue without jobs");
}

/// List returns whole jobs newest submitted first (ties broken by submission order, not
/// by id), or oldest first, filtered by queue and state, up to its limit; a limit of 0 or
/// over 10,000 is refused.
///
/// Catches: ordering by id, filters ignored or combined with OR, the limit ignored, list
/// rows that differ from `status`.
pub async fn list_orders_filters_and_limits<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let names = ["c-first", "a-second", "b-third", "d-fourth"];
    let queues = ["alpha", "beta", "alpha", "alpha"];
    for (i, (name, q)) in names.iter().zip(queues).enumerate() {
        if i == 3 {
            f.clock.advance(Duration::from_secs(1));
        }
        submit(&f.queue, job(name).queue(queue(q))).await;
    }
    take_job(&f.queue, "alpha").await;
    let list = async |query: ListQuery| -> Vec<String> {
        let jobs: Vec<Job> = ok("list", f.queue.list(query).await);
        for job in &jobs {
            let read = status(&f.queue, &job.id).await.job;
            assert_eq!(job, &read, "a list row is the job as status reads it");
        }
        jobs.into_iter().map(|j| j.id.into_string()).collect()
    };
    let all = ListQuery::default();
    let oldest = ListQuery {
        oldest_first: true,
        ..all.clone()
    };
    let alpha = ListQuery {
        queue: Some(queue("alpha")),
        ..all.clone()
    };
    let running = ListQuery {
        state: Some(JobState::Running),
        ..all.clone()
    };
    let alpha_queued = ListQuery {
        state: Some(JobState::Queued),
        ..alpha.clone()
    };
    let done = ListQuery {
        state: Some(JobState::Done),
        ..all.clone()
    };
    let two = ListQuery {
        limit: 2,
        ..all.clone()
    };
    let oldest_two = ListQuery {
        limit: 2,
        ..oldest.clone()
    };
    let expectations: [(ListQuery, &[&str]); 8] = [
        (all.clone(), &["d-fourth", "b-third", "a-second", "c-first"]),
        (oldest, &["c-first", "a-second", "b-third", "d-fourth"]),
        (alpha, &["d-fourth", "b-third", "c-first"]),
        (running, &["c-first"]),
        (alpha_queued, &["d-fourth", "b-third"]),
        (done, &[]),
        (two, &["d-fourth", "b-third"]),
        (oldest_two, &["c-first", "a-second"]),
    ];
    for (query, expected) in expectations {
        assert_eq!(list(query.clone()).await, expected, "list {query:?}");
    }
    for limit in [0, 10_001] {
        let result = f
            .queue
            .list(ListQuery {
                limit,
                ..all.clone()
            })
            .await;
        expect_invalid(&format!("list with limit {limit}"), result, "limit");
    }
}

/// Purge deletes finished jobs of one state whose last change is at least `older_than` ago
/// (by the store's clock, boundary included), with their history; it leaves younger jobs
/// and other states, and refuses unfinished states.
///
/// Catches: age measured from `created_at` or the system clock, an off-by-one at the
/// boundary, the state filter ignored, history left behind (a reused id would inherit it),
/// queued or running jobs purged.
pub async fn purge_deletes_old_finished_jobs<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let t0 = f.clock.now();
    let old_done = make_done(&f.queue, "default", "old-done").await;
    let old_failed = make_failed(&f.queue, "default", "old-failed", "boom").await;
    let old_cancelled = submit(&f.queue, job("old-cancelled")).await;
    ok(
        "cancel",
        f.queue.cancel(Select::id(old_cancelled.clone())).await,
    );
    let waiting = submit(&f.queue, job("old-queued").queue(queue("waiting"))).await;
    f.clock.advance(Duration::from_secs(40));
    let edge_done = make_done(&f.queue, "default", "edge-done").await;
    f.clock.advance(Duration::from_secs(10));
    let young_done = make_done(&f.queue, "default", "young-done").await;
    f.clock.set(t0 + Duration::from_secs(100));

    let purge = |state, older_than| PurgeQuery {
        state,
        older_than,
        queue: None,
    };
    let minute = Duration::from_secs(60);
    assert_eq!(
        ok(
            "purge done",
            f.queue.purge(purge(JobState::Done, minute)).await
        ),
        2
    );
    for gone in [&old_done, &edge_done] {
        expect_err(
            &format!("status of purged {gone:?}"),
            f.queue.status(gone).await,
            ErrorCode::NotFound,
        );
    }
    let kept = [&young_done, &old_failed, &old_cancelled, &waiting];
    let states: Vec<_> = statuses(&f.queue, kept)
        .await
        .iter()
        .map(|s| s.job.state)
        .collect();
    use JobState::{Cancelled, Done, Failed, Queued};
    assert_eq!(states, [Done, Failed, Cancelled, Queued]);

    let hour = Duration::from_secs(3600);
    assert_eq!(
        ok("purge young", f.queue.purge(purge(Cancelled, hour)).await),
        0
    );
    assert_eq!(
        ok(
            "purge failed",
            f.queue.purge(purge(Failed, Duration::ZERO)).await
        ),
        1
    );
    for bad in [Queued, JobState::Running] {
        let result = f.queue.purge(purge(bad, Duration::ZERO)).await;
        expect_invalid(&format!("purge {bad} jobs"), result, "state");
    }
    assert_eq!(state(&f.queue, &waiting).await, Queued);

    let reused = submit(&f.queue, job("old-done")).await;
    let fresh = status(&f.queue, &reused).await;
    assert_eq!((fresh.job.state, fresh.job.attempts), (Queued, 0));
    assert_eq!(
        fresh.history.len(),
        1,
        "the purged job's history is gone: {:?}",
        fresh.history
    );
}

/// Purge with a queue deletes only that queue's jobs, and their history: a job submitted
/// after the purge, even one that takes the purged job's place in the store (the newest
/// job is purged), has only its own history; a queue left without jobs leaves the stats.
///
/// Catches: the queue filter ignored, history rows left behind and inherited by a later job
/// (an internal key reused after the newest row is deleted).
pub async fn purge_by_queue<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let b = make_done(&f.queue, "beta", "b").await;
    let a = make_done(&f.queue, "alpha", "a").await;
    let query = PurgeQuery {
        state: JobState::Done,
        older_than: Duration::ZERO,
        queue: Some(queue("alpha")),
    };
    assert_eq!(ok("purge alpha", f.queue.purge(query).await), 1);
    expect_err(
        "status of purged a",
        f.queue.status(&a).await,
        ErrorCode::NotFound,
    );
    assert_eq!(state(&f.queue, &b).await, JobState::Done);
    let beta = QueueCounts {
        done: 1,
        ..QueueCounts::default()
    };
    let stats = ok("stats", f.queue.stats(None).await);
    assert_eq!(stats.queues, BTreeMap::from([(queue("beta"), beta)]));

    let c = submit(&f.queue, job("c").queue(queue("alpha"))).await;
    let history = status(&f.queue, &c).await.history;
    let kinds: Vec<_> = history.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [EventKind::Submitted],
        "only its own history: {history:?}"
    );
}
