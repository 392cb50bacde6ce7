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
    /// List a connection's alerts (or dismiss one: `alerts dismiss NAME ID`).
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Alerts {
        #[command(subcommand)]
        action: Option<AlertsAction>,
        #[arg(required = true)]
        name: Option<String>,
        #[command(flatten)]
        args: AlertsArgs,
        /// `{"alerts": [...]}` (errors as JSON too).
        #[arg(long, global = true)]
        json: bool,
    },
    /// The detection rules in force (built-in), the learning period and any file that could
    /// not be used.
    Rules {
        /// The connection whose learning period to show.
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The IP tags the detections use: risky and corporate addresses and ranges.
    Tags {
        #[command(subcommand)]
        action: TagsAction,
        #[arg(long, global = true)]
        json: bool,
    },
}

/// What `alerts` does besides listing.
#[derive(Debug, Subcommand)]
pub enum AlertsAction {
    /// Dismiss an alert (it stays stored, with status dismissed).
    Dismiss { name: String, id: i64 },
    /// Open a dismissed alert again.
    Reopen { name: String, id: i64 },
}

/// The filters and output of `alerts`.
#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// Alerts with events at or after T: RFC 3339 or that long ago (30m, 2h, 7d).
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// One rule's alerts (its id, as `wdconnect rules` lists them).
    #[arg(long)]
    pub rule: Option<String>,
    /// low, medium or high.
    #[arg(long)]
    pub severity: Option<String>,
    #[arg(long, value_enum, default_value_t = AlertStatusArg::Open)]
    pub status: AlertStatusArg,
    #[arg(long, value_enum, default_value_t = EventFormat::Table)]
    pub format: EventFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlertStatusArg {
    Open,
    Dismissed,
    All,
}

/// What `tags` does. TAG is `risky` or `corporate`.
#[derive(Debug, Subcommand)]
pub enum TagsAction {
    /// Every tagged address and range, and the corporate-only switch.
    List,
    /// Tag addresses or CIDR ranges.
    Add {
        tag: String,
        #[arg(required = true)]
        entries: Vec<String>,
    },
    /// Untag addresses or ranges.
    Remove {
        tag: String,
        #[arg(required = true)]
        entries: Vec<String>,
    },
    /// Tag every address or range of a list file (one a line, `#` comments), e.g. Tor exits.
    Import { tag: String, file: PathBuf },
    /// `on`: all use must come from the corporate ranges (anything else is an alert).
    CorporateOnly { state: String },
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
