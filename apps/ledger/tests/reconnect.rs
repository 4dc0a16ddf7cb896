//! RabbitMQ, PostgreSQL and Redis go away under a running ledger (every connection cut,
//! new ones refused for a while, as in a restart) and come back: the ledger reconnects by
//! itself, every message is written exactly once, and the balances are right at a tick
//! after.

mod common;

use std::time::Duration;

use common::proxy::Proxy;
use common::{Env, eventually};
use ledger::message::Transaction;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_reconnects_after_every_service_went_away() {
    let Some(env) = Env::new("reconn") else {
        return;
    };
    env.setup();
    let s = &env.settings;
    let (amqp, pg, redis) = (
        Proxy::start(&s.amqp_url).await,
        Proxy::start(&s.postgres_url).await,
        Proxy::start(&s.redis_url).await,
    );
    // Everything through the proxies, the jobq store included (it is in PostgreSQL).
    let pg_url = pg.url(&s.postgres_url);
    let services = vec![
        "--amqp".into(),
        amqp.url(&s.amqp_url),
        "--postgres".into(),
        pg_url.clone(),
        "--redis".into(),
        redis.url(&s.redis_url),
        "--url".into(),
        ledger::config::default_jobq_url(&pg_url, &s.schema),
        "--schema".into(),
        s.schema.clone(),
        "--queue".into(),
        s.queue.clone(),
        "--redis-prefix".into(),
        s.redis_prefix.clone(),
    ];
    let instance = env.start_with("solo", &["--tick", "2s"], services);
    let publisher = env.publisher().await;
    let publish = |from: usize, to: usize| {
        let publisher = &publisher;
        async move {
            for n in from..to {
                let t = Transaction::new(1, "1").unwrap();
                publisher.send(&t, Some(&format!("r-{n}"))).await.unwrap();
            }
        }
    };
    publish(0, 20).await;
    let written = |n: i64| {
        let env = &env;
        async move { (env.message_counts().await.0 >= n).then_some(()) }
    };
    eventually("the first 20", Duration::from_secs(20), || written(20)).await;
    common::wait_for_balances(&env, ("1320", "1800"), Duration::from_secs(10)).await;

    // Every service goes away at once, for two seconds; messages keep coming meanwhile.
    for proxy in [&amqp, &pg, &redis] {
        proxy.refuse(true);
        proxy.cut();
    }
    publish(20, 40).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    for proxy in [&amqp, &pg, &redis] {
        proxy.refuse(false);
    }

    eventually("all 40 written", Duration::from_secs(30), || written(40)).await;
    assert_eq!(env.message_counts().await, (40, 40));
    common::wait_for_balances(&env, ("1340", "1800"), Duration::from_secs(20)).await;
    let log = instance.log();
    assert!(log.contains("reconnecting"), "{log}");
    assert!(
        log.matches("active: this instance holds the ledger lock")
            .count()
            >= 1,
        "{log}"
    );
    assert!(
        amqp.accepted() >= 2 && redis.accepted() >= 2,
        "no reconnection:\n{log}"
    );
    let _ = publisher.close().await;
}
