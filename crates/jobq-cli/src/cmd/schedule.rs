//! `jobq schedule add|list|remove`.

use comfy_table::Cell;
use jobq::api::ScheduleItem;
use jobq::{AnyQueue, Every, Queue, Schedule, Timestamp};
use serde_json::json;

use crate::args::{ScheduleAction, ScheduleAddArgs, ScheduleArgs};
use crate::failure::Failure;
use crate::output::{Out, preview, table, write_table};

/// Runs the action `args` names.
pub(crate) async fn schedule(
    queue: &AnyQueue,
    args: ScheduleArgs,
    out: &Out,
) -> Result<(), Failure> {
    match args.action {
        ScheduleAction::Add(add) => self::add(queue, add, out).await,
        ScheduleAction::List => list(queue, out).await,
        ScheduleAction::Remove(remove) => {
            let name = remove.name;
            if !queue.remove_schedule(&name).await? {
                return Err(Failure::Nothing(format!("no schedule named {name}")));
            }
            out.emit(&json!({ "name": name, "removed": true }), |w| {
                writeln!(w, "removed schedule {name}")
            })?;
            Ok(())
        }
    }
}

async fn add(queue: &AnyQueue, args: ScheduleAddArgs, out: &Out) -> Result<(), Failure> {
    let every = match (args.every, args.cron) {
        (Some(interval), None) => Every::interval(interval)?,
        (None, Some(expression)) => Every::cron(&expression)?,
        _ => {
            return Err(Failure::Usage(
                "give --every DURATION or --cron EXPRESSION".into(),
            ));
        }
    };
    let schedule = Schedule::new(args.name, every)
        .queue(args.queue)
        .payload(args.payload.unwrap_or_default())
        .priority(args.priority)
        .max_attempts(args.max_attempts);
    let next = schedule.every.next_after(Timestamp::now());
    let replaced = queue.set_schedule(schedule.clone()).await?;
    let name = &schedule.name;
    out.emit(
        &json!({ "name": name, "every": schedule.every.to_string(), "replaced": replaced, "next": next }),
        |w| {
            let verb = if replaced { "replaced" } else { "added" };
            write!(w, "{verb} schedule {name}: {} into queue {}", schedule.every, schedule.queue)?;
            match next {
                Some(next) => writeln!(w, "; next tick at {next}"),
                None => writeln!(w, "; it has no tick to come"),
            }
        },
    )?;
    Ok(())
}

async fn list(queue: &AnyQueue, out: &Out) -> Result<(), Failure> {
    let schedules = queue.schedules().await?;
    let now = Timestamp::now();
    if out.is_json() {
        for s in &schedules {
            let mut value =
                serde_json::to_value(ScheduleItem::from(s)).map_err(std::io::Error::other)?;
            value["next"] = json!(s.every.next_after(now));
            out.json_line(&value)?;
        }
        return Ok(());
    }
    if schedules.is_empty() {
        out.line("no schedules")?;
        return Ok(());
    }
    let mut t = table(&["NAME", "EVERY", "QUEUE", "NEXT TICK", "PAYLOAD"], &[]);
    for s in &schedules {
        t.add_row(vec![
            Cell::new(&s.name),
            Cell::new(&s.every),
            Cell::new(&s.queue),
            Cell::new(
                s.every
                    .next_after(now)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
            ),
            Cell::new(preview(&s.payload, 40)),
        ]);
    }
    let mut stdout = anstream::stdout().lock();
    write_table(&mut stdout, &t)?;
    Ok(())
}
