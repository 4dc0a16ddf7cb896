//! A manager: puts failed photos back in the queue, with their attempts reset, every
//! `INTERVAL` seconds; with `--once`, one round.
//!
//! `JOBQ_URL=sqlite:jobq.db cargo run -p jobq-examples --bin manager -- --once`

use std::time::Duration;

use jobq::{JobState, Queue, QueueName, Select};

#[tokio::main]
async fn main() -> jobq::Result<()> {
    let url = std::env::var("JOBQ_URL").unwrap_or_else(|_| jobq::DEFAULT_URL.into());
    let once = std::env::args().any(|a| a == "--once");
    let queue = jobq::connect(&url).await?;
    let failed = Select::State {
        state: JobState::Failed,
        queue: Some(QueueName::new("images")?),
    };
    loop {
        let n = queue.resubmit(failed.clone()).await?;
        println!("resubmitted {n} failed jobs");
        if once {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
}
