//! A producer: submits one job per photo to resize. Its ids are chosen (`photo-N`), so
//! running it twice submits nothing twice.
//!
//! `JOBQ_URL=sqlite:jobq.db cargo run -p jobq-examples --bin producer -- 20`

use jobq::{Error, JobId, NewJob, Queue, QueueName};

#[tokio::main]
async fn main() -> jobq::Result<()> {
    let url = std::env::var("JOBQ_URL").unwrap_or_else(|_| jobq::DEFAULT_URL.into());
    let count: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let queue = jobq::connect(&url).await?;
    let images = QueueName::new("images")?;
    for n in 1..=count {
        let job = NewJob::new(format!("photo-{n}.jpg"))
            .id(JobId::new(format!("photo-{n}"))?)
            .queue(images.clone());
        match queue.submit(job).await {
            Ok(id) => println!("submitted {id}"),
            Err(Error::Duplicate { id }) => println!("{id} was submitted before"),
            Err(err) => return Err(err),
        }
    }
    Ok(())
}
