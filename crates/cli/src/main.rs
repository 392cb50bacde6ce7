//! `wdconnect`: the command-line twin of the desktop app, a thin clap front over `connector`.

mod activity;
mod alerts;
mod args;
mod commands;
mod forward;
mod output;
mod rules;
mod run;
mod tags;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = args::Cli::parse();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WDCONNECT_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::from(output::EXIT_FAILED);
        }
    };
    ExitCode::from(runtime.block_on(commands::run(cli)))
}

/// A reader that stops early (`wdconnect guide --json | head -1`) closes stdout under the command.
/// `println!` then panics; this hook sees that panic first and ends the process quietly with
/// success, as ripgrep does, instead of a message and a backtrace (exit 101). Every command
/// prints through `println!`, so this one place covers them all. Any other panic goes on to the
/// default hook.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if is_closed_stdout(info.payload()) {
            std::process::exit(i32::from(output::EXIT_OK));
        }
        default(info);
    }));
}

/// Whether a panic is `println!`'s own on a closed pipe: "failed printing to stdout: " and the
/// operating system's text for a broken pipe (not any stdout failure: a full disk must still say
/// so).
fn is_closed_stdout(payload: &(dyn std::any::Any + Send)) -> bool {
    let text = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    // EPIPE on Unix; ERROR_BROKEN_PIPE, ERROR_NO_DATA and ERROR_PIPE_NOT_CONNECTED (a reader
    // gone before the first write) on Windows.
    let codes: &[i32] = if cfg!(windows) {
        &[109, 232, 233]
    } else {
        &[32]
    };
    text.strip_prefix("failed printing to stdout: ")
        .is_some_and(|e| {
            codes
                .iter()
                .any(|c| e == std::io::Error::from_raw_os_error(*c).to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_closed_stdout_is_quiet() {
        let epipe = if cfg!(windows) { 232 } else { 32 };
        let closed = format!(
            "failed printing to stdout: {}",
            std::io::Error::from_raw_os_error(epipe)
        );
        assert!(is_closed_stdout(&closed));
        let full = format!(
            "failed printing to stdout: {}",
            std::io::Error::from(std::io::ErrorKind::StorageFull)
        );
        assert!(!is_closed_stdout(&full));
        assert!(!is_closed_stdout(&"index out of bounds"));
        assert!(!is_closed_stdout(&42_u8));
    }
}
