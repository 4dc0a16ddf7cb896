//! Periodic jobs: schedules read back exactly, are replaced and removed, are refused when
//! malformed, and are shared by every handle on the store.

use std::time::Duration;

use jobq_core::{Every, Queue, Schedule, ScheduleName};

use crate::harness::Backend;
use crate::support::{MAX_PAYLOAD, START, bounded, expect_invalid, fixture, ok, queue};

fn name(text: &str) -> ScheduleName {
    ScheduleName::new(text).unwrap_or_else(|e| panic!("schedule name {text:?}: {e}"))
}

fn minutely(text: &str) -> Schedule {
    Schedule::new(
        name(text),
        Every::interval(Duration::from_secs(60)).expect("a minute is a valid interval"),
    )
}

/// Every field of a schedule reads back as it was set; `since` is the store's now.
pub async fn schedules_read_back_exactly<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let nightly = Schedule::new(name("report.nightly"), Every::cron("30 3 * * *").unwrap())
        .queue(queue("reports"))
        .payload(vec![0u8, 159, 146, 150, 255])
        .priority(-7)
        .max_attempts(9);
    let set = ok(
        "set_schedule",
        bounded("set", f.queue.set_schedule(nightly.clone())).await,
    );
    assert!(!set, "a new schedule replaces nothing");
    ok(
        "set_schedule",
        f.queue.set_schedule(minutely("a-tick")).await,
    );
    let stored = ok("schedules", f.queue.schedules().await);
    let names: Vec<&str> = stored.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["a-tick", "report.nightly"], "schedules by name");
    let expected = Schedule {
        since: Some(START),
        ..nightly
    };
    assert_eq!(stored[1], expected, "every field reads back");
}

/// Setting a schedule of an existing name replaces it, and its ticks count from then.
pub async fn setting_a_schedule_again_replaces_it<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    ok("set", f.queue.set_schedule(minutely("tick")).await);
    f.clock.advance(Duration::from_secs(90));
    let hourly = Schedule {
        every: "every 1h".parse().unwrap(),
        ..minutely("tick").payload("new")
    };
    assert!(
        ok("set again", f.queue.set_schedule(hourly).await),
        "replaced one"
    );
    let stored = ok("schedules", f.queue.schedules().await);
    assert_eq!(stored.len(), 1, "still one schedule: {stored:?}");
    assert_eq!(stored[0].every.to_string(), "every 1h");
    assert_eq!(stored[0].payload, b"new");
    assert_eq!(stored[0].since, Some(START + Duration::from_secs(90)));
}

/// Removing says whether there was a schedule, and it is gone.
pub async fn removing_a_schedule_says_whether_there_was_one<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    ok("set", f.queue.set_schedule(minutely("tick")).await);
    ok("set", f.queue.set_schedule(minutely("other")).await);
    assert!(ok("remove", f.queue.remove_schedule(&name("tick")).await));
    assert!(!ok(
        "remove again",
        f.queue.remove_schedule(&name("tick")).await
    ));
    assert!(!ok(
        "remove unknown",
        f.queue.remove_schedule(&name("nope")).await
    ));
    let stored = ok("schedules", f.queue.schedules().await);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].name.as_str(), "other");
}

/// A schedule whose jobs would be refused is refused, naming why, and nothing is stored.
pub async fn malformed_schedules_are_refused<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let zero = minutely("zero").max_attempts(0);
    expect_invalid(
        "zero attempts",
        f.queue.set_schedule(zero).await,
        "max_attempts",
    );
    let big = minutely("big").payload(vec![b'x'; MAX_PAYLOAD + 1]);
    let message = expect_invalid(
        "oversized payload",
        f.queue.set_schedule(big).await,
        "payload",
    );
    assert!(
        message.contains(&MAX_PAYLOAD.to_string()),
        "names the limit: {message}"
    );
    let stored = ok("schedules", f.queue.schedules().await);
    assert!(stored.is_empty(), "nothing stored: {stored:?}");
}

/// A schedule set through one handle is seen, replaced and removed through another.
pub async fn schedules_are_shared_by_every_handle<B: Backend>(backend: &B) {
    let f = fixture(backend).await;
    let other = f.connect().await;
    ok("set", f.queue.set_schedule(minutely("tick")).await);
    let seen = ok("schedules", other.schedules().await);
    assert_eq!(seen.len(), 1, "the other handle sees it");
    assert!(ok("remove", other.remove_schedule(&name("tick")).await));
    assert!(ok("schedules", f.queue.schedules().await).is_empty());
}
