//! The commands, one module per group, each a function from its arguments to printed output.

mod bench;
mod demo;
mod inspect;
mod lease;
mod manage;
mod schedule;
mod serve;
mod submit;
mod work;

use crate::args::{Cli, Command};
use crate::failure::Failure;
use crate::output::Out;

/// Runs the command `cli` names, opening the store it needs.
pub(crate) async fn run(cli: Cli, out: &Out) -> Result<(), Failure> {
    let url = cli.url.as_str();
    let open = || jobq::connect(url);
    match cli.command {
        Command::Submit(args) => submit::submit(&open().await?, args, out).await,
        Command::Take(args) => lease::take(&open().await?, args, out).await,
        Command::Complete(args) => lease::complete(&open().await?, args, out).await,
        Command::Fail(args) => lease::fail(&open().await?, args, out).await,
        Command::Extend(args) => lease::extend(&open().await?, args, out).await,
        Command::Work(args) => work::work(open().await?, args, out).await,
        Command::Resubmit(args) => manage::resubmit(&open().await?, args, out).await,
        Command::Cancel(args) => manage::cancel(&open().await?, args, out).await,
        Command::Purge(args) => manage::purge(&open().await?, args, out).await,
        Command::Status(args) => inspect::status(&open().await?, args, out).await,
        Command::Stats(args) => inspect::stats(&open().await?, args, out).await,
        Command::List(args) => inspect::list(&open().await?, args, out).await,
        Command::Schedule(args) => schedule::schedule(&open().await?, args, out).await,
        Command::Serve(args) => serve::serve(url, args, out).await,
        Command::Demo(args) => demo::demo(open().await?, args, out).await,
        // The benchmark opens its own stores.
        Command::Bench(args) => bench::bench(url, cli.url_given, args, out).await,
        Command::BenchProcess(args) => bench::bench_process(url, args).await,
    }
}
