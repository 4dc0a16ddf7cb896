//! The real one-minute tick on the system clock: the keys are set within a second after
//! `hh:mm:00`. (Takes up to about 65 s: the only test that waits for a real minute.)

mod common;

use std::time::Duration;

use common::{Env, after_boundary, wait_for_balances};
use ledger::message::Transaction;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_balances_are_set_at_the_minute_boundary() {
    let Some(env) = Env::new("minute") else {
        return;
    };
    env.setup();
    let instance = env.start("solo", &[]);
    let publisher = env.publisher().await;
    publisher
        .send(&Transaction::new(1, "600").unwrap(), None)
        .await
        .unwrap();
    let seen = wait_for_balances(&env, ("1900", "1800"), Duration::from_secs(75)).await;
    let late = after_boundary(seen, Duration::from_secs(60));
    let log = instance.log();
    let line = log
        .lines()
        .find(|l| l.contains("s after the tick"))
        .unwrap_or_default();
    println!("seen {late:?} after hh:mm:00; the app logged: {line}");
    assert!(
        late <= Duration::from_secs(1),
        "set {late:?} after the minute"
    );
    assert!(line.contains(":00Z: set "), "{log}");
    let _ = publisher.close().await;
}
