//! `jobq demo`: the basic system, or one of its roles.

use jobq::AnyQueue;
use jobq::worker::shutdown_signal;
use jobq_demo::consumer::Consumer;
use jobq_demo::manager::Manager;
use jobq_demo::ops::Ops;
use jobq_demo::producer::{Producer, Source};
use jobq_demo::system::{self, System};
use jobq_demo::{Between, Say};
use tokio_util::sync::CancellationToken;

use crate::args::{DemoArgs, Role};
use crate::failure::Failure;
use crate::output::Out;

/// Runs the system (or the role asked for) until `--duration` passes or a signal comes.
pub(crate) async fn demo(queue: AnyQueue, args: DemoArgs, out: &Out) -> Result<(), Failure> {
    let say = Say::new(out.is_json());
    let stop = stop_token(args.duration);
    let pid = std::process::id();
    let (name, speed) = (args.queue.clone(), args.speed);
    match args.role {
        None => {
            let settings = System {
                queue: name,
                producers: args.producers,
                consumers: args.consumers,
                fail_rate: args.fail_rate,
                work: args.work,
                speed,
            };
            system::run(&settings, &queue, say, stop).await?;
        }
        Some(Role::Producer(p)) => {
            let mut producer = Producer::new(p.name.unwrap_or(format!("producer-{pid}")), name);
            producer.speed = speed;
            producer.max_attempts = p.max_attempts;
            producer.every = p.every.unwrap_or(producer.every);
            if let Some(path) = p.from {
                producer.source = Source::Lines(path);
                producer.every = p.every.unwrap_or(Between::new(
                    std::time::Duration::from_secs(1),
                    std::time::Duration::from_secs(3),
                ));
            }
            producer.run(&queue, say, stop).await?;
        }
        Some(Role::Consumer(c)) => {
            let mut consumer = Consumer::new(c.name.unwrap_or(format!("consumer-{pid}")), name);
            (consumer.speed, consumer.work) = (speed, c.work);
            (consumer.fail_rate, consumer.append, consumer.lease) =
                (c.fail_rate, c.append, c.lease);
            consumer.run(queue, say, stop).await?;
        }
        Some(Role::Manager(m)) => {
            let mut manager = Manager::new(name);
            (manager.speed, manager.every) = (speed, m.every);
            manager.run(&queue, say, stop).await;
        }
        Some(Role::Ops(o)) => {
            let mut ops = Ops::new(name);
            (ops.speed, ops.every) = (speed, o.every);
            ops.run(&queue, say, stop).await;
        }
    }
    Ok(())
}

/// A token cancelled after `duration` or at the first SIGINT or SIGTERM; a second signal
/// ends the process at once.
fn stop_token(duration: Option<std::time::Duration>) -> CancellationToken {
    let stop = CancellationToken::new();
    let token = stop.clone();
    tokio::spawn(async move {
        let elapsed = async {
            match duration {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = elapsed => {}
            () = shutdown_signal() => {
                eprintln!("stopping: consumers finish the jobs in hand (interrupt again to quit now)");
                tokio::spawn(async {
                    shutdown_signal().await;
                    std::process::exit(130);
                });
            }
        }
        token.cancel();
    });
    stop
}
