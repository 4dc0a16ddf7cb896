//! The commands, one module per group, each a function from its arguments to printed output.

mod demo;
mod inspect;
mod lease;
mod manage;
mod submit;
mod work;

use jobq::AnyQueue;

use crate::args::{Cli, Command};
use crate::failure::Failure;
use crate::output::Out;

/// Runs the command `cli` names.
pub(crate) async fn run(cli: Cli, out: &Out) -> Result<(), Failure> {
    let queue = jobq::connect(&cli.url).await?;
    dispatch(&queue, cli.command, out).await
}

async fn dispatch(queue: &AnyQueue, command: Command, out: &Out) -> Result<(), Failure> {
    match command {
        Command::Submit(args) => submit::submit(queue, args, out).await,
        Command::Take(args) => lease::take(queue, args, out).await,
        Command::Complete(args) => lease::complete(queue, args, out).await,
        Command::Fail(args) => lease::fail(queue, args, out).await,
        Command::Extend(args) => lease::extend(queue, args, out).await,
        Command::Work(args) => work::work(queue.clone(), args, out).await,
        Command::Resubmit(args) => manage::resubmit(queue, args, out).await,
        Command::Cancel(args) => manage::cancel(queue, args, out).await,
        Command::Purge(args) => manage::purge(queue, args, out).await,
        Command::Status(args) => inspect::status(queue, args, out).await,
        Command::Stats(args) => inspect::stats(queue, args, out).await,
        Command::List(args) => inspect::list(queue, args, out).await,
        Command::Demo(args) => demo::demo(queue.clone(), args, out).await,
    }
}
