//! `capwasi`: run WASI Preview 1 programs from the command line.

mod cache;
mod compile;
mod memdirs;
mod options;
mod run;
mod startup;
mod trace;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// A WASI Preview 1 host.
#[derive(Parser)]
#[command(name = "capwasi", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a WebAssembly module (.wasm or .wat) that imports WASI.
    Run(Box<run::RunCommand>),
    /// Compile a module ahead of time into a .cwasm for `run --allow-precompiled`.
    Compile(compile::CompileCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(run) => run.execute(),
        Command::Compile(compile) => compile.execute(),
    }
}
