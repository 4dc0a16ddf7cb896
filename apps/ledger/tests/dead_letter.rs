//! Malformed messages go to the dead-letter queue with their reason, the app keeps going,
//! and a message that comes again with the same id adds nothing.

mod common;

use std::time::Duration;

use common::{Env, eventually};

use lapin::BasicProperties;
use ledger::amqp;
use ledger::message::Transaction;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_are_dead_lettered_with_their_reason() {
    let Some(env) = Env::new("dead") else { return };
    env.setup();
    let mut instance = env.start("solo", &["--tick", "2s"]);
    let publisher = env.publisher().await;

    let bad: [(&str, &str); 7] = [
        ("hello", "not JSON"),
        ("", "not JSON"),
        (
            r#"{"id":99,"value":5}"#,
            "unknown provider: initial_data has no id 99",
        ),
        (r#"{"id":1}"#, "missing field `value`"),
        (r#"{"value":5}"#, "missing field `id`"),
        (r#"{"id":1,"value":"5"}"#, "value must be a number"),
        (r#"{"id":1,"value":1e999999}"#, "refused by PostgreSQL"),
    ];
    for (n, (body, _)) in bad.iter().enumerate() {
        // Half with a message id, half without: both are dead-lettered.
        let props = if n % 2 == 0 {
            amqp::properties(&format!("bad-{n}")).unwrap()
        } else {
            BasicProperties::default()
        };
        publisher.send_raw(body.as_bytes(), props).await.unwrap();
    }
    // The app keeps going: a good message after the bad ones is written...
    let good = Transaction::new(2, "10").unwrap();
    publisher.send(&good, Some("good-1")).await.unwrap();
    // ...and the same message again (a publisher retrying, a redelivery) adds nothing.
    publisher.send(&good, Some("good-1")).await.unwrap();
    publisher
        .send(&Transaction::new(1, "7").unwrap(), Some("good-2"))
        .await
        .unwrap();

    eventually("the good messages", Duration::from_secs(15), || async {
        (env.rows().await.len() == 5).then_some(())
    })
    .await;
    let mut letters = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while letters.len() < bad.len() {
        assert!(
            std::time::Instant::now() < deadline,
            "dead letters: {letters:?}"
        );
        letters.extend(env.dead_letters().await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(letters.len(), bad.len(), "{letters:?}");
    for ((body, reason), (sent, expected)) in letters.iter().zip(bad) {
        assert_eq!(body, sent);
        assert!(reason.contains(expected), "{sent}: {reason}");
    }
    let rows = env.rows().await;
    let written: Vec<(i32, &str)> = rows[3..].iter().map(|(_, p, v)| (*p, v.as_str())).collect();
    assert_eq!(written, [(2, "10"), (1, "7")], "{rows:?}");
    let first_good = rows[3].0;
    assert!(instance.running(), "the app stopped:\n{}", instance.log());
    let log = instance.log();
    assert!(
        log.contains("sent to ") && log.contains("unknown provider"),
        "{log}"
    );
    let again = format!("came again; it was written before as transaction {first_good}");
    assert!(log.contains(&again), "{log}");

    // Balances after a tick: 1000+100+200+7 and 2000-200+10.
    common::wait_for_balances(&env, ("1307", "1810"), Duration::from_secs(10)).await;
    let _ = publisher.close().await;
}
