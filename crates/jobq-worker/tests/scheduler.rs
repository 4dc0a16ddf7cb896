//! The scheduler against a real store: each tick is submitted once however many schedulers
//! run, a little ahead and to run at the tick, a missed tick once, and nothing for a
//! removed schedule.

use std::time::Duration;

use jobq_core::{
    Every, JobId, JobState, ManualClock, Queue, QueueName, Schedule, ScheduleName, TakeRequest,
    Timestamp,
};
use jobq_sqlite::{SqliteOptions, SqliteQueue};
use jobq_worker::Scheduler;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

async fn open(path: &std::path::Path, clock: &ManualClock) -> SqliteQueue {
    SqliteQueue::open(SqliteOptions::new(path).clock(clock.clone()))
        .await
        .unwrap()
}

fn every_minute() -> Schedule {
    Schedule::new(
        ScheduleName::new("balances").unwrap(),
        Every::interval(Duration::from_secs(60)).unwrap(),
    )
    .queue(QueueName::new("ledger").unwrap())
    .payload("recompute")
}

#[tokio::test]
async fn two_schedulers_submit_each_tick_once_ahead_of_time() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(at("2026-11-22T14:00:30Z"));
    let (a, b) = (
        open(&dir.path().join("q.db"), &clock).await,
        open(&dir.path().join("q.db"), &clock).await,
    );
    assert!(
        !a.set_schedule(every_minute()).await.unwrap(),
        "a new schedule"
    );
    let (sa, sb) = (
        Scheduler::new(a.clone())
            .clock(clock.clone())
            .refresh(Duration::from_secs(60)),
        Scheduler::new(b.clone()).clock(clock.clone()),
    );
    // 30 s before the tick: nothing due yet; the next pass is due 5 s before it (and, with
    // the default refresh, 5 s from now).
    let pass = sa.pass().await.unwrap();
    assert!(pass.submitted.is_empty());
    assert_eq!(pass.next, at("2026-11-22T14:00:55Z"));
    assert_eq!(sb.pass().await.unwrap().next, at("2026-11-22T14:00:35Z"));
    clock.set(at("2026-11-22T14:00:57Z"));
    let (pa, pb) = (sa.pass().await.unwrap(), sb.pass().await.unwrap());
    let tick = JobId::new("balances@2026-11-22T14:01:00Z").unwrap();
    assert_eq!(
        [pa.submitted, pb.submitted].concat(),
        std::slice::from_ref(&tick),
        "one submission"
    );
    let job = a.status(&tick).await.unwrap().job;
    assert_eq!(
        (job.run_at, job.payload.as_slice()),
        (at("2026-11-22T14:01:00Z"), &b"recompute"[..])
    );
    let take = TakeRequest::new(QueueName::new("ledger").unwrap());
    assert!(
        a.take(take.clone()).await.unwrap().is_empty(),
        "not before its tick"
    );
    clock.set(at("2026-11-22T14:01:00Z"));
    assert!(
        sb.pass().await.unwrap().submitted.is_empty(),
        "the tick is there already"
    );
    assert_eq!(a.take(take).await.unwrap()[0].id, tick, "ready at its tick");
}

#[tokio::test]
async fn a_missed_tick_is_submitted_once_and_older_ones_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(at("2026-11-22T14:00:00Z"));
    let q = open(&dir.path().join("q.db"), &clock).await;
    q.set_schedule(every_minute()).await.unwrap();
    // No scheduler ran for five and a half minutes.
    clock.set(at("2026-11-22T14:05:30Z"));
    let s = Scheduler::new(q.clone()).clock(clock.clone());
    let pass = s.pass().await.unwrap();
    assert_eq!(
        pass.submitted,
        [JobId::new("balances@2026-11-22T14:05:00Z").unwrap()]
    );
    assert_eq!(s.pass().await.unwrap().submitted, Vec::<JobId>::new());
}

#[tokio::test]
async fn schedules_are_replaced_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(at("2026-11-22T14:00:00Z"));
    let q = open(&dir.path().join("q.db"), &clock).await;
    q.set_schedule(every_minute()).await.unwrap();
    clock.set(at("2026-11-22T14:00:10Z"));
    let hourly = every_minute().payload("hourly");
    let hourly = Schedule {
        every: "every 1h".parse().unwrap(),
        ..hourly
    };
    assert!(q.set_schedule(hourly).await.unwrap(), "replaced");
    let stored = q.schedules().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].every.to_string(), "every 1h");
    assert_eq!(
        stored[0].since,
        Some(at("2026-11-22T14:00:10Z")),
        "ticks count from the replacement"
    );
    let name = ScheduleName::new("balances").unwrap();
    assert!(q.remove_schedule(&name).await.unwrap());
    assert!(!q.remove_schedule(&name).await.unwrap());
    clock.set(at("2026-11-22T14:59:58Z"));
    let s = Scheduler::new(q.clone()).clock(clock.clone());
    assert!(s.pass().await.unwrap().submitted.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_submits_ticks_as_time_passes() {
    let dir = tempfile::tempdir().unwrap();
    let q = SqliteQueue::open(SqliteOptions::new(dir.path().join("q.db")))
        .await
        .unwrap();
    let every_second = Schedule::new(
        ScheduleName::new("beat").unwrap(),
        Every::interval(Duration::from_secs(1)).unwrap(),
    );
    q.set_schedule(every_second).await.unwrap();
    let stop = std::sync::Arc::new(tokio::sync::Notify::new());
    let scheduler = tokio::spawn({
        let (q, stop) = (q.clone(), stop.clone());
        async move {
            Scheduler::new(q)
                .lookahead(Duration::from_millis(200))
                .run(async move { stop.notified().await })
                .await;
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let done = loop {
        let stats = q.stats(None).await.unwrap();
        let jobs = stats
            .queues
            .get(&QueueName::default())
            .map_or(0, |c| c.total());
        if jobs >= 3 {
            break jobs;
        }
        assert!(std::time::Instant::now() < deadline, "ticks did not come");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    stop.notify_one();
    scheduler.await.unwrap();
    let jobs = q
        .list(jobq_core::ListQuery {
            oldest_first: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(jobs.len() as u64 >= done);
    for job in jobs {
        assert_eq!(job.state, JobState::Queued);
        assert_eq!(
            job.run_at.as_unix_micros() % 1_000_000,
            0,
            "on a whole second"
        );
        assert_eq!(job.id.as_str(), format!("beat@{}", job.run_at));
    }
}
