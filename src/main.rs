use std::process::ExitCode;

use clap::Parser;

mod cli;

/// mimalloc: synthesis allocates and frees millions of small values (graph nodes, JSON trees);
/// perf put glibc's malloc/free at a third of a 1000-service run.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            cli::console::err(&format!("error: {e}\n"));
            for cause in e.chain().skip(1) {
                cli::console::err(&format!("  caused by: {cause}\n"));
            }
            ExitCode::from(2)
        }
    }
}
