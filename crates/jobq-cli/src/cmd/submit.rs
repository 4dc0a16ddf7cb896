//! `jobq submit`: one job, or one job per line of standard input.

use std::io::{self, BufRead, IsTerminal, Read};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use jobq::{AnyQueue, NewJob, Queue};
use serde_json::json;

use crate::args::SubmitArgs;
use crate::failure::Failure;
use crate::output::Out;

/// Submits one job, or with `--lines` one job per line.
pub(crate) async fn submit(queue: &AnyQueue, args: SubmitArgs, out: &Out) -> Result<(), Failure> {
    if args.lines {
        return lines(queue, &args, out).await;
    }
    let payload = match &args.payload {
        Some(payload) => payload.clone().into_bytes(),
        None => read_stdin()?,
    };
    let mut job = template(&args, payload);
    if let Some(id) = args.id.clone() {
        job = job.id(id);
    }
    let id = queue.submit(job).await?;
    out.emit(&json!({ "id": id }), |w| {
        writeln!(w, "submitted job {id} to queue {}", args.queue)
    })?;
    Ok(())
}

/// A job with the flags' settings and `payload`.
fn template(args: &SubmitArgs, payload: Vec<u8>) -> NewJob {
    let job = NewJob::new(payload)
        .queue(args.queue.clone())
        .priority(args.priority)
        .max_attempts(args.max_attempts);
    match args.delay {
        Some(delay) => job.delay(delay),
        None => job,
    }
}

fn read_stdin() -> Result<Vec<u8>, Failure> {
    let mut stdin = io::stdin();
    if stdin.is_terminal() {
        return Err(Failure::Usage(
            "no payload: give it as an argument, or pipe it on standard input".into(),
        ));
    }
    let mut payload = Vec::new();
    stdin.read_to_end(&mut payload)?;
    Ok(payload)
}

/// Every line of standard input (bytes, without its `\n` or `\r\n`) becomes one job,
/// submitted `--batch` at a time; each batch is all or nothing.
async fn lines(queue: &AnyQueue, args: &SubmitArgs, out: &Out) -> Result<(), Failure> {
    let progress = ProgressBar::new_spinner();
    progress.set_style(
        ProgressStyle::with_template("{spinner} {human_pos} jobs submitted ({per_sec})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    progress.enable_steady_tick(Duration::from_millis(120));
    let batch_size = args.batch as usize;
    let mut batch = Vec::with_capacity(batch_size);
    let mut submitted: u64 = 0;
    let mut first_line: u64 = 1;
    let stdin = io::stdin();
    for line in stdin.lock().split(b'\n') {
        let mut line = line?;
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        batch.push(template(args, line));
        if batch.len() == batch_size {
            flush(queue, &mut batch, &mut first_line, &mut submitted).await?;
            progress.set_position(submitted);
        }
    }
    flush(queue, &mut batch, &mut first_line, &mut submitted).await?;
    progress.finish_and_clear();
    out.emit(&json!({ "submitted": submitted }), |w| {
        writeln!(w, "submitted {submitted} jobs to queue {}", args.queue)
    })?;
    Ok(())
}

async fn flush(
    queue: &AnyQueue,
    batch: &mut Vec<NewJob>,
    first_line: &mut u64,
    submitted: &mut u64,
) -> Result<(), Failure> {
    if batch.is_empty() {
        return Ok(());
    }
    let n = batch.len() as u64;
    let last_line = *first_line + n - 1;
    match queue.submit_batch(std::mem::take(batch)).await {
        Ok(_) => {
            *submitted += n;
            *first_line = last_line + 1;
            Ok(())
        }
        Err(error) => Err(Failure::During {
            context: format!(
                "lines {first_line} to {last_line} were not submitted \
                 ({submitted} jobs from earlier lines were)",
                first_line = *first_line,
                submitted = *submitted,
            ),
            error,
        }),
    }
}
