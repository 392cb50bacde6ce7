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
    connector::alloc::keep_large_buffers_mapped();
    quiet_on_closed_stdout();
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
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

/// A command line clap refuses. Help and version go out as clap prints them. Under `--json` a
/// script reads stdout, so the refusal is the usual `{"errors": [{code, message, fix}]}` there
/// (exit 2) rather than clap's text on stderr; without it, clap's own text and exit code.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) || !json_requested(std::env::args_os().skip(1))
    {
        e.exit();
    }
    output::problems(true, &[usage_problem(&e)]);
    ExitCode::from(output::EXIT_USAGE)
}

/// Whether `--json` is among the arguments, before a `--` that ends the options (the parse
/// failed, so clap cannot say).
fn json_requested(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    args.take_while(|a| a != "--").any(|a| a == "--json")
}

/// clap's refusal as a problem: a stable code per kind, clap's first line as the message.
fn usage_problem(e: &clap::Error) -> connector::Problem {
    use clap::error::ErrorKind;
    let code = match e.kind() {
        ErrorKind::UnknownArgument => "usage.unknown_argument",
        ErrorKind::InvalidSubcommand => "usage.unknown_command",
        ErrorKind::MissingRequiredArgument | ErrorKind::MissingSubcommand => {
            "usage.missing_argument"
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation | ErrorKind::InvalidUtf8 => {
            "usage.invalid_value"
        }
        ErrorKind::ArgumentConflict => "usage.conflict",
        _ => "usage.invalid",
    };
    let rendered = e.render().to_string();
    let first = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let message = first.trim().strip_prefix("error: ").unwrap_or(first.trim());
    let mut chars = message.chars();
    let message: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => "The command line was refused.".into(),
    };
    connector::Problem::new(
        code,
        message,
        "Run `wdconnect help` or `wdconnect COMMAND --help` for the commands and their options.",
    )
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

    fn refusal(args: &[&str]) -> connector::Problem {
        let e = <args::Cli as clap::Parser>::try_parse_from(args).expect_err("refused");
        usage_problem(&e)
    }

    #[test]
    fn a_refused_command_line_is_one_problem_with_a_stable_code_and_one_line() {
        let p = refusal(&["wdconnect", "list", "--bogus", "--json"]);
        assert_eq!(p.code, "usage.unknown_argument");
        assert!(
            p.message.contains("--bogus") && !p.message.contains('\n'),
            "{p:?}"
        );
        assert!(p.message.starts_with("Unexpected argument"), "{p:?}");
        assert_eq!(
            refusal(&["wdconnect", "frobnicate"]).code,
            "usage.unknown_command"
        );
        assert_eq!(
            refusal(&["wdconnect", "show"]).code,
            "usage.missing_argument"
        );
        assert!(!refusal(&["wdconnect", "show"]).fix.is_empty());
    }

    #[test]
    fn json_is_asked_for_only_before_the_end_of_options() {
        let args = |a: &[&str]| a.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert!(json_requested(args(&["list", "--json"]).into_iter()));
        assert!(json_requested(
            args(&["--json", "list", "--bogus"]).into_iter()
        ));
        assert!(!json_requested(args(&["list"]).into_iter()));
        assert!(!json_requested(args(&["add", "--", "--json"]).into_iter()));
    }

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
