use std::process::ExitCode;

use clap::Parser;

mod cli;

/// mimalloc: synthesis allocates and frees millions of small values (graph nodes, JSON trees);
/// perf put glibc's malloc/free at a third of a 1000-service run.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Transparent huge pages make every fresh 2 MB of the heap a page the kernel must zero
    // whole: a 10-service spec then holds 34 MB, a 100-service one 78 MB (16 and 44 MB
    // without), at no gain in time (measured with perf stat -r 15). Best effort: a kernel
    // without the setting changes nothing.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
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
