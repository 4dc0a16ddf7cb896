//! [`CommandHandler`]: a program run once per job, as `jobq work -- CMD` does.

use std::ffi::OsString;
use std::os::fd::AsFd;
use std::process::{ExitStatus, Stdio};

use jobq_core::LeasedJob;
use jobq_core::limits::MAX_ERROR_BYTES;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::Command;

use crate::handler::Handler;

/// Where a command's standard output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Output {
    /// To the worker's standard output (the default).
    #[default]
    Inherit,
    /// To the worker's standard error, so that the worker's own standard output stays
    /// machine-readable (`jobq --json work`).
    Stderr,
}

/// Runs a program for each job:
///
/// - the payload on its standard input;
/// - `JOBQ_JOB_ID`, `JOBQ_QUEUE`, `JOBQ_ATTEMPT` and `JOBQ_MAX_ATTEMPTS` in its environment;
/// - exit status 0 completes the job; anything else fails the attempt, with the tail of
///   what the program wrote on standard error (its last 8 KiB) as the error;
/// - its standard error is passed on to the worker's as it comes, line by line.
///
/// The program runs in its own process group, so a Ctrl-C at the terminal reaches the worker
/// (which then stops taking and lets running programs finish) and not the programs. When the
/// job's lease is lost, the program is killed.
#[derive(Debug, Clone)]
pub struct CommandHandler {
    program: OsString,
    args: Vec<OsString>,
    output: Output,
}

impl CommandHandler {
    /// Runs `program` with `args` for each job.
    pub fn new(
        program: impl Into<OsString>,
        args: impl IntoIterator<Item = impl Into<OsString>>,
    ) -> Self {
        Self {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
            output: Output::Inherit,
        }
    }

    /// Sets where the program's standard output goes.
    pub fn output(mut self, output: Output) -> Self {
        self.output = output;
        self
    }

    fn stdout(&self) -> Result<Stdio, String> {
        match self.output {
            Output::Inherit => Ok(Stdio::inherit()),
            Output::Stderr => std::io::stderr()
                .as_fd()
                .try_clone_to_owned()
                .map(Stdio::from)
                .map_err(|e| format!("cannot pass standard error to the command: {e}")),
        }
    }

    async fn run(&self, job: LeasedJob) -> Result<(), String> {
        let name = self.program.to_string_lossy().into_owned();
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .env("JOBQ_JOB_ID", job.id.as_str())
            .env("JOBQ_QUEUE", job.queue.as_str())
            .env("JOBQ_ATTEMPT", job.attempt.to_string())
            .env("JOBQ_MAX_ATTEMPTS", job.max_attempts.to_string())
            .stdin(Stdio::piped())
            .stdout(self.stdout()?)
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot run {name}: {e}"))?;
        let stdin = child.stdin.take();
        let feed = async move {
            if let Some(mut stdin) = stdin {
                // A program that does not read its input closes the pipe early; that is
                // not a failure of the job.
                let _ = stdin.write_all(&job.payload).await;
                let _ = stdin.shutdown().await;
            }
        };
        let stderr = child.stderr.take();
        let tail = async move {
            match stderr {
                Some(stderr) => relay_and_keep_tail(stderr).await,
                None => Vec::new(),
            }
        };
        let (status, (), tail) = tokio::join!(child.wait(), feed, tail);
        let status = status.map_err(|e| format!("waiting for {name}: {e}"))?;
        if status.success() {
            return Ok(());
        }
        Err(failure_text(&name, status, &tail))
    }
}

impl Handler for CommandHandler {
    fn handle(
        &self,
        job: LeasedJob,
    ) -> impl std::future::Future<Output = Result<(), String>> + Send {
        self.run(job)
    }
}

/// Copies `stream` line by line to the worker's standard error, and returns its last
/// [`MAX_ERROR_BYTES`].
async fn relay_and_keep_tail(stream: impl AsyncRead + Unpin) -> Vec<u8> {
    let mut reader = BufReader::new(stream);
    let mut tail = Vec::new();
    let mut line = Vec::new();
    let mut relay = tokio::io::stderr();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let _ = relay.write_all(&line).await;
                tail.extend_from_slice(&line);
                if tail.len() > 2 * MAX_ERROR_BYTES {
                    tail.drain(..tail.len() - MAX_ERROR_BYTES);
                }
            }
        }
    }
    let _ = relay.flush().await;
    if tail.len() > MAX_ERROR_BYTES {
        tail.drain(..tail.len() - MAX_ERROR_BYTES);
    }
    tail
}

/// The error of a failed run: how it ended, then the tail of its standard error.
fn failure_text(name: &str, status: ExitStatus, tail: &[u8]) -> String {
    use std::os::unix::process::ExitStatusExt;
    let how = match (status.code(), status.signal()) {
        (Some(code), _) => format!("{name} exited with status {code}"),
        (None, Some(signal)) => format!("{name} was killed by signal {signal}"),
        (None, None) => format!("{name} failed ({status})"),
    };
    let text = String::from_utf8_lossy(tail);
    let text = text.trim_end();
    if text.is_empty() {
        return format!("{how} (nothing on standard error)");
    }
    // The whole error fits the queue's limit, so the queue keeps the header too.
    let budget = MAX_ERROR_BYTES.saturating_sub(how.len() + 2);
    let mut start = text.len().saturating_sub(budget);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("{how}: {}", &text[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_text_says_how_and_keeps_the_tail() {
        use std::os::unix::process::ExitStatusExt;
        let status = ExitStatus::from_raw(3 << 8);
        assert_eq!(
            failure_text("convert", status, b"bad input\n"),
            "convert exited with status 3: bad input"
        );
        let killed = ExitStatus::from_raw(9);
        assert_eq!(
            failure_text("convert", killed, b""),
            "convert was killed by signal 9 (nothing on standard error)"
        );
    }
}
