//! `wdconnect`: the command-line twin of the desktop app, a thin clap front over `connector`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use connector::{Diagnose, Problem, Sandbox, SandboxOptions};

/// Connect a Workday tenant through its API client, from a terminal.
#[derive(Debug, Parser)]
#[command(name = "wdconnect", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the built-in simulated tenant (the sandbox) and serve it until Ctrl-C.
    Sandbox {
        /// Print the sandbox's values as one JSON object on the first line of stdout.
        #[arg(long)]
        json: bool,
        /// Port of the redirect URI the simulated API client is registered with.
        #[arg(long, default_value_t = connector::loopback::DEFAULT_REDIRECT_PORT)]
        redirect_port: u16,
        /// Seed of the generated users and activity.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Activity events in the seven days before start.
        #[arg(long, default_value_t = 50_000)]
        events: u64,
    },
}

/// Exit codes: 0 success, 1 the operation or a check failed, 2 bad usage or input (clap's own).
const EXIT_FAILED: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
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
            return ExitCode::from(EXIT_FAILED);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

async fn run(cli: Cli) -> Result<(), Problem> {
    match cli.command {
        Command::Sandbox {
            json,
            redirect_port,
            seed,
            events,
        } => {
            sandbox(
                json,
                SandboxOptions {
                    redirect_port,
                    seed,
                    events,
                },
            )
            .await
        }
    }
}

async fn sandbox(json: bool, options: SandboxOptions) -> Result<(), Problem> {
    let sandbox = Sandbox::start(options).await.map_err(|e| e.problem())?;
    let info = sandbox.info();
    if json {
        println!(
            "{}",
            serde_json::to_string(info).expect("sandbox info serialises")
        );
    } else {
        println!(
            "Sandbox tenant \"{}\" is running (a simulation on this computer).",
            info.tenant
        );
        println!();
        println!("  Client ID               {}", info.client_id);
        println!("  REST API endpoint       {}", info.rest_api_endpoint);
        println!("  Token endpoint          {}", info.token_endpoint);
        println!("  Authorization endpoint  {}", info.authorization_endpoint);
        println!("  Redirection URI         {}", info.redirect_uri);
        println!();
        println!("Press Ctrl-C to stop it.");
    }
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    Ok(())
}
