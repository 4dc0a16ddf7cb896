//! The seed's example end to end on the real services: setup, the message
//! `{"id":1,"value":600}`, and Redis holding `1_Visa=1900`, `2_Mastercard=1800` right after
//! the next tick; then more messages and the right sums at the tick after.

mod common;

use std::time::Duration;

use common::{Env, SEED_ROWS_AFTER_EXAMPLE, after_boundary, eventually, wait_for_balances};
use ledger::message::Transaction;

/// A short tick, so that the test waits seconds, not minutes. Ticks fall on multiples of
/// it, as the minute's fall on `hh:mm:00`.
const TICK: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeds_example_then_more_transactions() {
    let Some(env) = Env::new("seed") else { return };

    // Setup twice: the second changes nothing.
    let first = env.setup();
    assert!(
        first.contains("2 seed providers and 3 seed transactions added"),
        "{first}"
    );
    let second = env.setup();
    assert!(
        second.contains("0 seed providers and 0 seed transactions added"),
        "{second}"
    );
    assert_eq!(env.rows().await.len(), 3);

    let tick = format!("{}s", TICK.as_secs());
    let instance = env.start("solo", &["--tick", &tick]);
    let publisher = env.publisher().await;
    publisher
        .send(&Transaction::new(1, "600").unwrap(), None)
        .await
        .unwrap();

    let seen = wait_for_balances(&env, ("1900", "1800"), TICK * 4).await;
    let late = after_boundary(seen, TICK);
    println!("1_Visa=1900 seen {late:?} after a {tick} boundary");
    assert!(
        late <= Duration::from_secs(1),
        "set {late:?} after the tick"
    );
    let rows = env.rows().await;
    let want: Vec<(i64, i32, String)> = SEED_ROWS_AFTER_EXAMPLE
        .iter()
        .map(|&(id, p, v)| (id, p, v.to_owned()))
        .collect();
    assert_eq!(rows, want);

    // More, for both providers, with exact decimal amounts.
    for (provider, value) in [(1, "50"), (2, "-300.25"), (2, "1000"), (1, "0.5")] {
        publisher
            .send(&Transaction::new(provider, value).unwrap(), None)
            .await
            .unwrap();
    }
    eventually("the new rows", Duration::from_secs(10), || async {
        (env.rows().await.len() == 8).then_some(())
    })
    .await;
    let seen = wait_for_balances(&env, ("1950.5", "2499.75"), TICK * 4).await;
    let late = after_boundary(seen, TICK);
    println!("1_Visa=1950.5 seen {late:?} after a {tick} boundary");
    assert!(
        late <= Duration::from_secs(1),
        "set {late:?} after the tick"
    );
    let (with_id, distinct) = env.message_counts().await;
    assert_eq!((with_id, distinct), (5, 5));

    let log = instance.log();
    assert!(log.contains("s after the tick"), "{log}");
    let _ = publisher.close().await;
}
