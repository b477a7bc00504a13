//! The terminal. Results go to stdout, where a reader that stops early (`| head`) ends the
//! output quietly and any other failure (`> /dev/full`) is an I/O error (exit 2); progress and
//! diagnostics go to stderr, best effort: a failure to report progress must not fail the run.

use std::io::{self, Write};

use anyhow::{Context, Result};

/// Writes `text` to stdout. A closed pipe is not an error: whoever reads has what they wanted,
/// and the exit code still says whether the spec was valid.
pub fn out(text: &str) -> Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e).context("writing to stdout"),
        _ => Ok(()),
    }
}

/// Writes `text` to stderr, ignoring failures.
pub fn err(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// `err` with a trailing newline and `format!` arguments.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::console::err(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use errln;
