//! Two `ledger run` processes on one ledger: one is active, the other waits as standby.
//! Transactions keep coming while the active one is SIGKILLed; the standby takes over
//! within seconds, and every published message ends up in `historical_transactions`
//! exactly once.

mod common;

use std::time::{Duration, Instant};

use common::{Env, eventually};
use ledger::message::Transaction;

/// Messages published in all.
const MESSAGES: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standby_takes_over_and_nothing_is_lost_or_doubled() {
    let Some(env) = Env::new("standby") else {
        return;
    };
    env.setup();
    let a = env.start("a", &["--tick", "2s", "--prefetch", "50"]);
    let mut instances = vec![a];
    let active_name = eventually("an active instance", Duration::from_secs(15), || async {
        instances
            .iter()
            .find(|i| i.is_active())
            .map(|i| i.name.clone())
    })
    .await;
    assert_eq!(active_name, "a");
    instances.push(env.start("b", &["--tick", "2s", "--prefetch", "50"]));
    eventually("b waiting as standby", Duration::from_secs(15), || async {
        instances[1]
            .log()
            .contains("standby: another instance is active")
            .then_some(())
    })
    .await;

    // Publish in the background, a message every millisecond or so, each with its id.
    let publisher = env.publisher().await;
    let publishing = tokio::spawn(async move {
        for n in 0..MESSAGES {
            let provider = if n % 3 == 0 { 2 } else { 1 };
            let t = Transaction::new(provider, &format!("{}", n + 1)).unwrap();
            publisher.send(&t, Some(&format!("m-{n}"))).await.unwrap();
            if n % 10 == 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        let _ = publisher.close().await;
    });

    // Kill the active one while it is busy writing.
    eventually(
        "a third of the messages written",
        Duration::from_secs(30),
        || async { (env.message_counts().await.0 >= (MESSAGES / 3) as i64).then_some(()) },
    )
    .await;
    instances[0].kill();
    let killed_at = Instant::now();
    let written_at_kill = env.message_counts().await.0;
    assert!(!instances[0].is_active() || !instances[0].running());

    eventually("b active", Duration::from_secs(15), || async {
        instances[1].is_active().then_some(())
    })
    .await;
    let takeover = killed_at.elapsed();
    eventually(
        "more messages written by b",
        Duration::from_secs(15),
        || async { (env.message_counts().await.0 > written_at_kill).then_some(()) },
    )
    .await;
    println!(
        "b took over {takeover:?} after a was killed ({written_at_kill} messages written by then)"
    );
    assert!(takeover < Duration::from_secs(10), "took {takeover:?}");

    publishing.await.unwrap();
    let (count, distinct) = eventually("every message", Duration::from_secs(60), || async {
        let counts = env.message_counts().await;
        (counts.0 >= MESSAGES as i64).then_some(counts)
    })
    .await;
    assert_eq!((count, distinct), (MESSAGES as i64, MESSAGES as i64));
    // Nothing else was written, nothing dead-lettered.
    assert_eq!(env.rows().await.len(), 3 + MESSAGES);
    assert!(env.dead_letters().await.is_empty());

    // The balances after the next tick: every transaction counted once.
    let (mut visa, mut master) = (1300_i64, 1800_i64);
    for n in 0..MESSAGES {
        let v = i64::try_from(n).unwrap() + 1;
        if n % 3 == 0 { master += v } else { visa += v }
    }
    let (visa, master) = (visa.to_string(), master.to_string());
    common::wait_for_balances(&env, (&visa, &master), Duration::from_secs(10)).await;
    let log_b = instances[1].log();
    println!(
        "b saw {} messages again that a had written before its death",
        log_b.matches("came again").count()
    );
}

/// The active instance dies right after a commit, before the acknowledgement: the broker
/// hands the message to the standby again. With a message id it is recognised and adds
/// nothing; without one it cannot be told from a new transaction with the same body, so it
/// is not written but dead-lettered as a possible duplicate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_commit_and_ack_writes_nothing_twice() {
    let Some(env) = Env::new("crash") else { return };
    env.setup();
    let publisher = env.publisher().await;
    // Messages 1..=3 with ids, 4 without; the first instance dies after committing 3,
    // the second after committing 4 (the first it writes is 4).
    for n in 1..=3 {
        let t = Transaction::new(1, &n.to_string()).unwrap();
        publisher.send(&t, Some(&format!("id-{n}"))).await.unwrap();
    }
    let bare = Transaction::new(2, "4").unwrap();
    publisher
        .send_raw(bare.to_json().as_bytes(), lapin::BasicProperties::default())
        .await
        .unwrap();

    let mut first = env.start("first", &["--exit-after-commits", "3", "--prefetch", "1"]);
    assert_eq!(first.exited(Duration::from_secs(20)).await, Some(137));
    let mut second = env.start("second", &["--exit-after-commits", "1", "--prefetch", "1"]);
    assert_eq!(second.exited(Duration::from_secs(20)).await, Some(137));
    let third = env.start("third", &[]);

    eventually(
        "the possible duplicate dead-lettered",
        Duration::from_secs(20),
        || async { third.log().contains("possible duplicate").then_some(()) },
    )
    .await;
    let rows = env.rows().await;
    let written: Vec<(i32, &str)> = rows[3..].iter().map(|(_, p, v)| (*p, v.as_str())).collect();
    assert_eq!(
        written,
        [(1, "1"), (1, "2"), (1, "3"), (2, "4")],
        "{rows:?}"
    );
    assert!(
        second.log().contains("message \"id-3\" came again"),
        "{}",
        second.log()
    );
    let letters = env.dead_letters().await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0].0, bare.to_json());
    assert!(
        letters[0].1.starts_with("possible duplicate"),
        "{}",
        letters[0].1
    );
    let _ = publisher.close().await;
}
