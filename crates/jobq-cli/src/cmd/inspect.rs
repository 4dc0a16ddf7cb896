//! An ops app's commands: `status`, `stats`, `list`.

use std::io::Write;

use jobq::wire::JobJson;
use jobq::{AnyQueue, JobState, ListQuery, Queue};

use crate::args::{ListArgs, StatsArgs, StatusArgs};
use crate::failure::Failure;
use comfy_table::{Cell, Color};

use crate::output::{Out, preview, state_cell, style, styled, table, write_table};

/// One job with its history.
pub(crate) async fn status(queue: &AnyQueue, args: StatusArgs, out: &Out) -> Result<(), Failure> {
    let status = queue.status(&args.id).await?;
    out.emit(&JobJson::from(&status), |w| {
        let job = &status.job;
        let field = |w: &mut dyn Write, name: &str, value: &dyn std::fmt::Display| {
            writeln!(w, "{} {value}", styled(style::BOLD, format!("{name:<12}")))
        };
        field(w, "job", &job.id)?;
        field(w, "queue", &job.queue)?;
        field(w, "state", &state_styled(job.state))?;
        field(
            w,
            "attempts",
            &format!("{} of {}", job.attempts, job.max_attempts),
        )?;
        field(w, "priority", &job.priority)?;
        field(w, "run at", &job.run_at)?;
        field(w, "created", &job.created_at)?;
        field(w, "updated", &job.updated_at)?;
        if let Some(worker) = &job.worker {
            field(w, "worker", worker)?;
        }
        if let Some(until) = job.lease_until {
            field(w, "lease until", &until)?;
        }
        if let Some(error) = &job.last_error {
            field(w, "last error", &preview(error.as_bytes(), 500))?;
        }
        field(w, "payload", &preview(&job.payload, 500))?;
        writeln!(w)?;
        let mut history = table(
            &["AT", "EVENT", "STATE", "ATTEMPT", "WORKER", "ERROR"],
            &[3],
        );
        for event in &status.history {
            history.add_row(vec![
                Cell::new(event.at),
                Cell::new(event.kind),
                state_cell(event.state),
                Cell::new(event.attempt),
                Cell::new(event.worker.as_deref().unwrap_or_default()),
                Cell::new(
                    event
                        .error
                        .as_deref()
                        .map(|e| preview(e.as_bytes(), 60))
                        .unwrap_or_default(),
                ),
            ]);
        }
        write_table(w, &history)
    })?;
    Ok(())
}

/// Counts by queue and state.
pub(crate) async fn stats(queue: &AnyQueue, args: StatsArgs, out: &Out) -> Result<(), Failure> {
    let stats = queue.stats(args.queue.as_ref()).await?;
    out.emit(&stats, |w| {
        if stats.queues.is_empty() {
            return writeln!(w, "no jobs");
        }
        let mut header = vec!["QUEUE"];
        header.extend(JobState::ALL.iter().map(|s| s.as_str()));
        let header: Vec<String> = header.iter().map(|h| h.to_uppercase()).collect();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut t = table(&header, &[1, 2, 3, 4, 5]);
        for (name, counts) in &stats.queues {
            let mut row = vec![name.to_string()];
            row.extend(JobState::ALL.iter().map(|&s| counts.get(s).to_string()));
            t.add_row(row);
        }
        write_table(w, &t)
    })?;
    Ok(())
}

/// Jobs, newest first: one JSON object per line with `--json`, else a table.
pub(crate) async fn list(queue: &AnyQueue, args: ListArgs, out: &Out) -> Result<(), Failure> {
    let jobs = queue
        .list(ListQuery {
            queue: args.queue,
            state: args.state,
            limit: args.limit as usize,
            oldest_first: false,
        })
        .await?;
    if out.is_json() {
        for job in &jobs {
            out.json_line(&JobJson::from(job))?;
        }
        return Ok(());
    }
    if jobs.is_empty() {
        out.line("no jobs")?;
        return Ok(());
    }
    let mut t = table(
        &[
            "ID",
            "QUEUE",
            "STATE",
            "ATTEMPTS",
            "PRIORITY",
            "UPDATED",
            "PAYLOAD / LAST ERROR",
        ],
        &[3, 4],
    );
    for job in &jobs {
        let detail = match (&job.last_error, job.state) {
            (Some(error), JobState::Failed | JobState::Queued) => {
                Cell::new(preview(error.as_bytes(), 50)).fg(Color::Yellow)
            }
            _ => Cell::new(preview(&job.payload, 50)),
        };
        t.add_row(vec![
            Cell::new(preview(job.id.as_str().as_bytes(), 60)),
            Cell::new(&job.queue),
            state_cell(job.state),
            Cell::new(format!("{}/{}", job.attempts, job.max_attempts)),
            Cell::new(job.priority),
            Cell::new(job.updated_at),
            detail,
        ]);
    }
    let mut stdout = anstream::stdout().lock();
    write_table(&mut stdout, &t)?;
    Ok(())
}

fn state_styled(state: JobState) -> String {
    let style = match state {
        JobState::Done => style::GOOD,
        JobState::Failed => style::BAD,
        JobState::Running => style::WARN,
        JobState::Queued | JobState::Cancelled => anstyle::Style::new(),
    };
    styled(style, state)
}
