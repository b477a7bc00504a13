use std::process::ExitCode;

use clap::Parser;

mod cli;

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
