//! The command line of `wdconnect`: every command, flag and its help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Connect a Workday tenant through its API client, from a terminal.
///
/// Exit codes: 0 success, 1 the operation or a check failed, 2 bad usage or input.
#[derive(Debug, Parser)]
#[command(name = "wdconnect", version, about, long_about = None)]
pub struct Cli {
    /// Keep connections and state in DIR instead of the OS config directory (also WDCONNECT_HOME).
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// What to set up in Workday first: permissions, tenant settings, Register API Client values.
    Guide {
        /// The port of this connection's redirect URI.
        #[arg(long, default_value_t = connector::loopback::DEFAULT_REDIRECT_PORT)]
        redirect_port: u16,
        /// Use http://localhost:PORT/callback instead of http://127.0.0.1:PORT/callback.
        #[arg(long)]
        localhost: bool,
        #[arg(long)]
        json: bool,
    },
    /// Add a connection (the client secret is asked without echo, or read from stdin).
    Add {
        /// A unique name for the connection.
        name: String,
        #[command(flatten)]
        values: Values,
        #[command(flatten)]
        options: Options,
        /// Read the client secret from standard input instead of prompting.
        #[arg(long)]
        client_secret_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// List the connections with their status.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one connection's settings and status (never a secret).
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a connection's values or options.
    Edit {
        name: String,
        #[command(flatten)]
        values: EditValues,
        #[command(flatten)]
        options: EditOptions,
        /// Read a new client secret from standard input.
        #[arg(long)]
        client_secret_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Remove a connection and its secrets (`--all`: every connection, e.g. before uninstalling).
    ///
    /// Its activity log is kept unless --delete-events is given: deleting collected events
    /// cannot be undone, so it is never the default. A kept log is bound to its tenant and is
    /// never resumed by a new connection of the same name that points at another tenant.
    Remove {
        #[arg(required_unless_present = "all")]
        name: Option<String>,
        /// Remove every connection and its secrets from the credential store.
        #[arg(long, conflicts_with = "name")]
        all: bool,
        /// Keep the collected activity log on this computer (the default).
        #[arg(long, conflicts_with = "delete_events")]
        keep_events: bool,
        /// Delete the collected activity log with the connection.
        #[arg(long)]
        delete_events: bool,
        #[arg(long)]
        json: bool,
    },
    /// Rename a connection; its secrets, status and activity log move with it.
    Rename {
        name: String,
        new_name: String,
        #[arg(long)]
        json: bool,
    },
    /// Sign in through the browser and keep the refresh token.
    Connect {
        name: String,
        /// Do not open a browser; only print the link to open.
        #[arg(long)]
        no_browser: bool,
        /// Give up after this many seconds without an answer from the browser.
        #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
        timeout: u64,
        #[arg(long)]
        json: bool,
    },
    /// Test a connection: token, users, activity log.
    Test {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// The status of every connection.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Forget a connection's tokens and keep its settings.
    Disconnect {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Collect the activity log into this computer's store (first a backfill, then new events).
    Sync {
        name: String,
        #[command(flatten)]
        args: SyncArgs,
        /// Print the final report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show or export the collected events.
    Events {
        name: String,
        #[command(flatten)]
        args: EventsArgs,
        /// Errors as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Forward collected events to a SIEM: syslog (TLS, TCP, UDP), Splunk HEC, Elasticsearch, OTLP.
    Forward {
        #[command(subcommand)]
        command: ForwardCommand,
    },
    /// Sync every connection and forward to every destination until stopped (SIGTERM, Ctrl-C).
    Run {
        #[command(flatten)]
        args: RunArgs,
        /// Print the report of `--once` as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Start the built-in simulated tenant, point the connection "sandbox" at it, serve until Ctrl-C.
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

/// How `events` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EventFormat {
    /// Aligned columns for a terminal.
    Table,
    /// A header row and every column (with the raw event).
    Csv,
    /// The raw Workday events, one JSON object per line.
    Ndjson,
}

/// The collection flags of `sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Days read back on the first sync (default: the connection's setting, 7).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=30))]
    pub backfill_days: Option<u32>,
    /// One pass, then exit (default: keep polling every poll interval until Ctrl-C).
    #[arg(long)]
    pub once: bool,
}

/// The filters and output of `events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Events at or after T: RFC 3339 (2026-04-17T08:00:00Z) or that long ago (30m, 2h, 7d).
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Events before T (same forms as --since).
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// The account (systemAccount), exactly, ignoring case.
    #[arg(long)]
    pub user: Option<String>,
    /// A part of the task name, ignoring case.
    #[arg(long)]
    pub task: Option<String>,
    /// READ, WRITE or OTHER.
    #[arg(long)]
    pub action: Option<String>,
    /// The IP address, exactly.
    #[arg(long)]
    pub ip: Option<String>,
    /// At most N events (the newest).
    #[arg(long)]
    pub limit: Option<u64>,
    #[arg(long, value_enum, default_value_t = EventFormat::Table)]
    pub format: EventFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also show the connector's own API calls, which the tenant logs too.
    #[arg(long)]
    pub include_own_calls: bool,
}

/// The values copied from Workday's "View API Clients".
#[derive(Debug, Args)]
pub struct Values {
    #[arg(long)]
    pub client_id: String,
    /// Workday REST API Endpoint.
    #[arg(long)]
    pub rest_endpoint: String,
    /// Token Endpoint.
    #[arg(long)]
    pub token_endpoint: String,
    /// Authorization Endpoint.
    #[arg(long)]
    pub authorize_endpoint: String,
}

#[derive(Debug, Args)]
pub struct EditValues {
    #[arg(long)]
    pub client_id: Option<String>,
    #[arg(long)]
    pub rest_endpoint: Option<String>,
    #[arg(long)]
    pub token_endpoint: Option<String>,
    #[arg(long)]
    pub authorize_endpoint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientAuthArg {
    Basic,
    Body,
}

#[derive(Debug, Args)]
pub struct Options {
    /// Port of the loopback redirect URI (must match the one registered in Workday).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub redirect_port: Option<u16>,
    /// Use http://localhost:PORT/callback as the redirect URI.
    #[arg(long)]
    pub localhost: bool,
    /// Do not use PKCE (only if the API client has it off).
    #[arg(long)]
    pub no_pkce: bool,
    /// How the client authenticates at the token endpoint.
    #[arg(long, value_enum)]
    pub client_auth: Option<ClientAuthArg>,
    /// The tenant signs in through SAML SSO (adds redirect=n to the sign-in URL).
    #[arg(long)]
    pub sso: bool,
}

#[derive(Debug, Args)]
pub struct EditOptions {
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub redirect_port: Option<u16>,
    /// Redirect URI host form.
    #[arg(long, value_enum)]
    pub redirect_host: Option<RedirectHostArg>,
    #[arg(long)]
    pub pkce: Option<bool>,
    #[arg(long, value_enum)]
    pub client_auth: Option<ClientAuthArg>,
    #[arg(long)]
    pub sso: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RedirectHostArg {
    #[value(name = "127.0.0.1")]
    Ipv4,
    Localhost,
}

/// `wdconnect forward ...`
#[derive(Debug, Subcommand)]
pub enum ForwardCommand {
    /// Add a destination to a connection (a token is read from stdin with --token-stdin).
    ///
    /// URL kinds: syslog+tls://HOST:6514, syslog+tcp://HOST:514, syslog+udp://HOST:514,
    /// hec+https://HOST:8088[?index=I&sourcetype=S&source=S], elastic+https://HOST:9200/INDEX,
    /// otlp+https://HOST:4318; `+http` only to this computer.
    Add {
        connection: String,
        /// The destination's name within the connection.
        #[arg(long)]
        name: String,
        /// Where to: the URL names the kind.
        #[arg(long, value_name = "URL")]
        to: String,
        /// json, cef or ecs (default: json; ecs for Elasticsearch).
        #[arg(long)]
        format: Option<String>,
        /// A PEM file of the CA that signed the receiver's certificate (besides the system's).
        #[arg(long, value_name = "FILE")]
        ca: Option<PathBuf>,
        /// Read the token (HEC token, Elasticsearch API key or user:password) from stdin.
        #[arg(long)]
        token_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// List destinations and where their delivery stands.
    List {
        connection: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Send one test event to a destination and say what to fix if it is not accepted.
    Test {
        connection: String,
        destination: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a destination, its token and its cursor.
    Remove {
        connection: String,
        destination: String,
        #[arg(long)]
        json: bool,
    },
}

impl ForwardCommand {
    pub fn json(&self) -> bool {
        match self {
            ForwardCommand::Add { json, .. }
            | ForwardCommand::List { json, .. }
            | ForwardCommand::Test { json, .. }
            | ForwardCommand::Remove { json, .. } => *json,
        }
    }
}

/// The flags of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// One sync pass of every connection and one forwarding pass delivering everything pending,
    /// then exit (0, or 1 when something failed or a destination refused).
    #[arg(long)]
    pub once: bool,
    /// Append the log to FILE instead of standard error.
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// Days read back on a connection's first sync (default: its setting, 7).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=30))]
    pub backfill_days: Option<u32>,
    /// Do not sync; only forward what is stored.
    #[arg(long)]
    pub no_sync: bool,
    /// With --once: how long to keep retrying a destination that is down before giving up.
    #[arg(long, default_value_t = 300, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub give_up_after: u64,
    /// The most events in one forwarded batch.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub batch_events: u64,
    /// Seconds between forwarding passes while running (a partial batch waits at most this).
    #[arg(long, default_value_t = 2, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub flush_interval: u64,
}
