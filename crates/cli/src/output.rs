//! How `wdconnect` reports: human text on a terminal, one JSON document with `--json`, and the
//! exit codes (0 success, 1 failed, 2 bad usage or input).

use connector::Problem;
use connector::connections::ConnectorError;
use serde::Serialize;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// Prints a failure and returns its exit code. With `--json`: `{"errors": [{code, message, fix}]}`
/// on stdout; otherwise each problem on stderr.
pub fn failure(json: bool, error: &ConnectorError) -> u8 {
    problems(json, &error.problems());
    if error.is_input() {
        EXIT_USAGE
    } else {
        EXIT_FAILED
    }
}

/// The exit code of a command that printed its result, or the failure's (printed here).
pub fn finish(json: bool, result: Result<(), ConnectorError>) -> u8 {
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => failure(json, &e),
    }
}

pub fn problems(json: bool, problems: &[Problem]) {
    if json {
        print_json(&serde_json::json!({ "errors": problems }));
    } else {
        for p in problems {
            eprintln!("error: {}", p.message);
            eprintln!("  code: {}", p.code);
            eprintln!("  fix:  {}", p.fix);
        }
    }
}

pub fn warnings(problems: &[Problem]) {
    for p in problems {
        eprintln!("warning: {}", p.message);
        eprintln!("  code: {}", p.code);
        eprintln!("  fix:  {}", p.fix);
    }
}

/// Whether a write failed because the reader of the pipe is gone (`| head`): EPIPE on Unix;
/// ERROR_BROKEN_PIPE, ERROR_NO_DATA and ERROR_PIPE_NOT_CONNECTED (gone before the first write)
/// on Windows, which std maps to `BrokenPipe` only in part.
pub fn is_closed_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
        || (cfg!(windows) && matches!(e.raw_os_error(), Some(109 | 232 | 233)))
}

pub fn print_json(value: &impl Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("output serialises")
    );
}
