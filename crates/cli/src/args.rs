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
    /// Print the result as JSON on stdout, errors too ({"errors": [{code, message, fix}]}).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Every command; each has one function in `commands.rs` (or its own file) and one dispatch line.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// What to set up in Workday first: permissions, tenant settings, Register API Client values.
    Guide(GuideArgs),
    /// Add a connection (the client secret is asked without echo, or read from stdin).
    Add(AddArgs),
    /// List the connections with their status.
    List,
    /// Show one connection's settings and status (never a secret).
    Show { name: String },
    /// Change a connection's values or options (the same option names as `add`).
    Edit(EditArgs),
    /// Remove a connection and its secrets (`--all`: every connection, e.g. before uninstalling).
    ///
    /// Its activity log is kept unless --delete-events is given: deleting collected events
    /// cannot be undone, so it is never the default. A kept log is bound to its tenant and is
    /// never resumed by a new connection of the same name that points at another tenant.
    Remove(RemoveArgs),
    /// Rename a connection; its secrets, status and activity log move with it.
    Rename { name: String, new_name: String },
    /// Sign in through the browser and keep the refresh token.
    Connect(ConnectArgs),
    /// Test a connection: token, users, activity log.
    Test { name: String },
    /// The status of every connection.
    Status,
    /// Forget a connection's tokens and keep its settings.
    Disconnect { name: String },
    /// Collect the activity log into this computer's store (first a backfill, then new events).
    Sync {
        name: String,
        #[command(flatten)]
        args: SyncArgs,
    },
    /// Show or export the collected events.
    Events {
        name: String,
        #[command(flatten)]
        args: EventsArgs,
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
    },
    /// Start the built-in simulated tenant, point the connection "sandbox" at it, serve until Ctrl-C.
    ///
    /// With --json the sandbox's values are one JSON object on the first line of stdout.
    Sandbox(SandboxArgs),
    /// List a connection's alerts (or dismiss one: `alerts dismiss NAME ID`).
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Alerts {
        #[command(subcommand)]
        action: Option<AlertsAction>,
        #[arg(required = true)]
        name: Option<String>,
        #[command(flatten)]
        args: AlertsArgs,
    },
    /// The detection rules in force (built-in), the learning period and any file that could
    /// not be used.
    Rules {
        /// The connection whose learning period to show.
        name: Option<String>,
    },
    /// The IP tags the detections use: risky and corporate addresses and ranges.
    Tags {
        #[command(subcommand)]
        action: TagsAction,
    },
}

#[derive(Debug, Args)]
pub struct GuideArgs {
    /// The port of this connection's redirect URI.
    #[arg(long, default_value_t = connector::loopback::DEFAULT_REDIRECT_PORT)]
    pub redirect_port: u16,
    /// Use http://localhost:PORT/callback instead of http://127.0.0.1:PORT/callback.
    #[arg(long)]
    pub localhost: bool,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// A unique name for the connection.
    pub name: String,
    #[command(flatten)]
    pub values: Values,
    #[command(flatten)]
    pub options: Options,
    /// Read the client secret from standard input instead of prompting.
    #[arg(long)]
    pub client_secret_stdin: bool,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    pub name: String,
    #[command(flatten)]
    pub values: EditValues,
    #[command(flatten)]
    pub options: Options,
    /// Read a new client secret from standard input.
    #[arg(long)]
    pub client_secret_stdin: bool,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[arg(required_unless_present = "all")]
    pub name: Option<String>,
    /// Remove every connection and its secrets from the credential store.
    #[arg(long, conflicts_with = "name")]
    pub all: bool,
    /// Keep the collected activity log on this computer (the default).
    #[arg(long, conflicts_with = "delete_events")]
    pub keep_events: bool,
    /// Delete the collected activity log with the connection.
    #[arg(long)]
    pub delete_events: bool,
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    pub name: String,
    /// Do not open a browser; only print the link to open.
    #[arg(long)]
    pub no_browser: bool,
    /// Give up after this many seconds without an answer from the browser.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port of the redirect URI the simulated API client is registered with.
    #[arg(long, default_value_t = connector::loopback::DEFAULT_REDIRECT_PORT)]
    pub redirect_port: u16,
    /// Seed of the generated users and activity.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Activity events in the seven days before start.
    #[arg(long, default_value_t = 50_000)]
    pub events: u64,
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
    /// Aligned columns for a terminal (with --json: `{"events": [...]}`, the viewer's rows).
    Table,
    /// A header row and every column (with the raw event), then country and ip_tags.
    Csv,
    /// The raw Workday events, one JSON object per line, country and ip_tags appended.
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
    /// Only the events of alert ID (see `wdconnect alerts`), the connector's own calls included.
    #[arg(long, value_name = "ID")]
    pub alert: Option<i64>,
}

/// The values copied from Workday's "View API Clients" (all needed by `add`).
#[derive(Debug, Args)]
pub struct Values {
    /// Client ID.
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

/// The same values under the same names, each optional: `edit` changes only what is given.
#[derive(Debug, Args)]
pub struct EditValues {
    /// Client ID.
    #[arg(long)]
    pub client_id: Option<String>,
    /// Workday REST API Endpoint.
    #[arg(long)]
    pub rest_endpoint: Option<String>,
    /// Token Endpoint.
    #[arg(long)]
    pub token_endpoint: Option<String>,
    /// Authorization Endpoint.
    #[arg(long)]
    pub authorize_endpoint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientAuthArg {
    Basic,
    Body,
}

/// How the connection signs in, under the same names for `add` and `edit`; what is not given
/// keeps its default (`add`) or its current value (`edit`). The short forms `--localhost` and
/// `--no-pkce` (once `add`'s only spellings) stay for the scripts that use them.
#[derive(Debug, Args)]
pub struct Options {
    /// Port of the loopback redirect URI (must match the one registered in Workday).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub redirect_port: Option<u16>,
    /// The host of the redirect URI (default 127.0.0.1).
    #[arg(long, value_enum, value_name = "HOST")]
    pub redirect_host: Option<RedirectHostArg>,
    /// Same as --redirect-host localhost.
    #[arg(long, conflicts_with = "redirect_host")]
    pub localhost: bool,
    /// PKCE on or off (default on; off only if the API client has it off). `--pkce` alone: on.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub pkce: Option<bool>,
    /// Same as --pkce false.
    #[arg(long, conflicts_with = "pkce")]
    pub no_pkce: bool,
    /// How the client authenticates at the token endpoint.
    #[arg(long, value_enum)]
    pub client_auth: Option<ClientAuthArg>,
    /// The tenant signs in through SAML SSO (adds redirect=n to the sign-in URL); `--sso` alone:
    /// yes, `--sso false`: no.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub sso: Option<bool>,
    /// Days of activity kept in the connection's store (default 90; 0 keeps everything). Older
    /// events and alerts are deleted after each sync.
    #[arg(long, value_name = "DAYS")]
    pub retention_days: Option<u32>,
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
    /// hec+https://HOST:8088[?index=I&sourcetype=S&source=S&ack=true], elastic+https://HOST:9200/INDEX,
    /// otlp+https://HOST:4318[?encoding=protobuf],
    /// sentinel+https://DCE-HOST?dcr=DCR-ID&stream=Custom-NAME&tenant=TENANT-ID&client=CLIENT-ID
    /// (the client secret with --token-stdin); `+http` only to this computer.
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
    },
    /// List destinations and where their delivery stands.
    List { connection: Option<String> },
    /// Send one test event to a destination and say what to fix if it is not accepted.
    Test {
        connection: String,
        destination: String,
    },
    /// Remove a destination, its token and its cursor.
    Remove {
        connection: String,
        destination: String,
    },
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// clap's own consistency checks (unique names, valid conflicts and defaults) over every
    /// command, which it otherwise runs only when a command line reaches the broken part.
    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
