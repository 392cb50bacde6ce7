//! `workday-sim`: runs the simulated Workday tenant until Ctrl-C and prints the values to paste
//! into the app (or, with `--json`, one JSON object on the first line of stdout).

use std::io::Write;

use clap::{Parser, ValueEnum};
use workday_sim::{ClientAuthMode, Faults, OffsetCapMode, SimConfig, Switches, TokenExpiry};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExpiryArg {
    Enforced,
    MinusOne,
    Missing,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum AuthArg {
    Any,
    Basic,
    Body,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CapModeArg {
    CapTotal,
    ExactTotal,
    EmptyPage,
}

/// A simulated Workday tenant on 127.0.0.1 (the Workday Connector sandbox).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Print one JSON object with the values on the first line of stdout.
    #[arg(long)]
    json: bool,
    /// Tenant name (URL segment).
    #[arg(long, default_value = "acme_sandbox")]
    tenant: String,
    /// Seed of everything deterministic (people, events, client id).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// About how many activity events seven days hold.
    #[arg(long, default_value_t = 50_000)]
    events: u64,
    /// People in the tenant.
    #[arg(long, default_value_t = 40)]
    users: u32,
    /// Log scheduled anomalies for the detections (ground truth at GET /anomalies).
    #[arg(long)]
    anomalies: bool,
    /// People work from offices and phones in real countries (US, GB, DE, IN, CA) instead of
    /// documentation ranges without a country.
    #[arg(long)]
    real_addresses: bool,
    /// Client id (default: derived from the seed).
    #[arg(long)]
    client_id: Option<String>,
    /// Client secret (default: random per start).
    #[arg(long)]
    client_secret: Option<String>,
    /// The exact redirect URI registered for the API client.
    #[arg(long, conflicts_with = "redirect_port")]
    redirect_uri: Option<String>,
    /// Register http://127.0.0.1:PORT/callback as the redirect URI.
    #[arg(long)]
    redirect_port: Option<u16>,
    /// Website (consent) host port; 0 = any free port.
    #[arg(long, default_value_t = 0)]
    website_port: u16,
    /// Services (token, REST) host port; 0 = any free port.
    #[arg(long, default_value_t = 0)]
    services_port: u16,
    /// Control API port; 0 = any free port.
    #[arg(long, default_value_t = 0)]
    control_port: u16,
    /// Loopback redirect URIs match ignoring the port.
    #[arg(long)]
    ignore_redirect_port: bool,
    /// Require PKCE ("Support Proof Key for Code Exchange" ticked); by default it is optional.
    #[arg(long)]
    require_pkce: bool,
    /// Which client authentication the token endpoint accepts.
    #[arg(long, value_enum, default_value = "any")]
    client_auth: AuthArg,
    /// Authorization code lifetime in seconds.
    #[arg(long, default_value_t = 120)]
    code_lifetime_secs: u64,
    /// How expires_in is reported.
    #[arg(long, value_enum, default_value = "enforced")]
    token_expiry: ExpiryArg,
    /// Access token lifetime in seconds (with enforced expiry).
    #[arg(long, default_value_t = 3600)]
    access_token_lifetime_secs: u64,
    /// A refresh returns a new refresh token and retires the old one.
    #[arg(long)]
    rotate_refresh_tokens: bool,
    /// The tenant signs in through SAML SSO (authorize needs redirect=n).
    #[arg(long)]
    sso: bool,
    /// OAuth 2.0 clients are disabled in Tenant Setup - Security.
    #[arg(long)]
    oauth_clients_disabled: bool,
    /// User activity logging is disabled in Tenant Setup - System.
    #[arg(long)]
    activity_logging_disabled: bool,
    /// The API client lacks the Staffing functional area.
    #[arg(long)]
    no_staffing_scope: bool,
    /// The API client lacks the System functional area.
    #[arg(long)]
    no_system_scope: bool,
    /// The consenting account lacks Worker Data: Public Worker Reports.
    #[arg(long)]
    no_worker_reports: bool,
    /// The consenting account lacks System Auditing.
    #[arg(long)]
    no_system_auditing: bool,
    /// The consenting account is locked.
    #[arg(long)]
    account_locked: bool,
    /// Maximum publishing lag of an event, in seconds.
    #[arg(long, default_value_t = 30)]
    publish_lag_max_secs: u64,
    /// Rows reachable by offset paging in one window.
    #[arg(long, default_value_t = 10_000)]
    offset_cap: u64,
    /// How the cap shows in `total`.
    #[arg(long, value_enum, default_value = "cap-total")]
    offset_cap_mode: CapModeArg,
    /// Do not log the client's own API calls in the activity log.
    #[arg(long)]
    no_own_calls: bool,
    /// Rows within a page come in no particular order (by default ascending by requestTime).
    #[arg(long)]
    shuffle_pages: bool,
    /// About one event in a thousand comes without requestTime.
    #[arg(long)]
    missing_request_times: bool,
    /// Worker targets carry an href.
    #[arg(long)]
    target_href: bool,
    /// Refuse fractional seconds in from/to and booleans not spelled in lower case.
    #[arg(long)]
    strict_params: bool,
    /// Every strictness switch at once: --require-pkce --shuffle-pages --missing-request-times
    /// --target-href --strict-params.
    #[arg(long)]
    strict: bool,
    /// A wrong tenant in the token URL answers 400 invalid_request instead of 503.
    #[arg(long)]
    wrong_tenant_token_invalid_request: bool,
    /// Serve the website and services hosts over HTTPS (a CA and certificate made at start).
    #[arg(long)]
    tls: bool,
    /// With --tls: where to write the CA certificate (PEM) to trust (default: a temporary file;
    /// the output names it either way).
    #[arg(long, requires = "tls")]
    tls_ca_file: Option<std::path::PathBuf>,
    /// Latency added to every services answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// REST requests per second served; more in any second are answered 429 (0: no limit).
    #[arg(long, default_value_t = 0)]
    rate_limit_per_sec: u32,
}

impl Args {
    fn config(&self) -> SimConfig {
        let switches = Switches {
            ignore_redirect_port: self.ignore_redirect_port,
            pkce: self.require_pkce || self.strict,
            client_auth: match self.client_auth {
                AuthArg::Any => ClientAuthMode::Any,
                AuthArg::Basic => ClientAuthMode::Basic,
                AuthArg::Body => ClientAuthMode::Body,
            },
            code_lifetime_secs: self.code_lifetime_secs,
            token_expiry: match self.token_expiry {
                ExpiryArg::Enforced => TokenExpiry::Enforced,
                ExpiryArg::MinusOne => TokenExpiry::MinusOne,
                ExpiryArg::Missing => TokenExpiry::Missing,
            },
            access_token_lifetime_secs: self.access_token_lifetime_secs,
            rotate_refresh_tokens: self.rotate_refresh_tokens,
            sso: self.sso,
            oauth_clients_enabled: !self.oauth_clients_disabled,
            activity_logging_enabled: !self.activity_logging_disabled,
            scope_staffing: !self.no_staffing_scope,
            scope_system: !self.no_system_scope,
            perm_worker_reports: !self.no_worker_reports,
            perm_system_auditing: !self.no_system_auditing,
            account_locked: self.account_locked,
            rate_limit_per_sec: self.rate_limit_per_sec,
            publish_lag_max_secs: self.publish_lag_max_secs,
            offset_cap: self.offset_cap,
            offset_cap_mode: match self.offset_cap_mode {
                CapModeArg::CapTotal => OffsetCapMode::CapTotal,
                CapModeArg::ExactTotal => OffsetCapMode::ExactTotal,
                CapModeArg::EmptyPage => OffsetCapMode::EmptyPage,
            },
            log_own_calls: !self.no_own_calls,
            shuffle_pages: self.shuffle_pages || self.strict,
            missing_request_times: self.missing_request_times || self.strict,
            target_href: self.target_href || self.strict,
            strict_params: self.strict_params || self.strict,
            wrong_tenant_token_invalid_request: self.wrong_tenant_token_invalid_request,
        };
        let redirect_uri = match (&self.redirect_uri, self.redirect_port) {
            (Some(u), _) => u.clone(),
            (None, Some(p)) => format!("http://127.0.0.1:{p}/callback"),
            (None, None) => SimConfig::default().redirect_uri,
        };
        SimConfig {
            tenant: self.tenant.clone(),
            seed: self.seed,
            events: self.events,
            users: self.users,
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            redirect_uri,
            website_port: self.website_port,
            services_port: self.services_port,
            control_port: self.control_port,
            switches,
            tls: self.tls,
            tls_ca_file: self.tls_ca_file.clone(),
            anomalies: self.anomalies,
            real_addresses: self.real_addresses,
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let sim = match workday_sim::start(args.config()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("workday-sim: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if args.latency_ms > 0 {
        sim.set_faults(Faults {
            latency_ms: args.latency_ms,
            ..Faults::default()
        });
    }
    let v = sim.values();
    let mut out = std::io::stdout().lock();
    let printed = if args.json {
        serde_json::to_string(&v)
            .map_err(std::io::Error::other)
            .and_then(|j| writeln!(out, "{j}"))
    } else {
        let rows = [
            ("Client ID", &v.client_id),
            ("Client Secret", &v.client_secret),
            ("Workday REST API Endpoint", &v.rest_api_endpoint),
            ("Token Endpoint", &v.token_endpoint),
            ("Authorization Endpoint", &v.authorization_endpoint),
        ];
        let mut text = format!(
            "Simulated Workday tenant \"{}\" is running (Ctrl-C stops it).\n\n\
             Register this Redirection URI (character for character): {}\n\n",
            args.tenant, v.redirect_uri
        );
        for (label, value) in rows {
            text.push_str(&format!("{label:<27}{value}\n"));
        }
        if let Some(ca) = &v.tls_ca_file {
            text.push_str(&format!("\n{:<27}{ca}", "CA certificate to trust"));
        }
        text.push_str(&format!(
            "\n{:<27}{}\n{:<27}Authorization: Bearer {}",
            "Control API (not Workday)", v.control_url, "Control API token", v.control_token
        ));
        writeln!(out, "{text}")
    };
    let _ = printed.and_then(|()| out.flush());
    drop(out);
    let _ = tokio::signal::ctrl_c().await;
    sim.shutdown().await;
    std::process::ExitCode::SUCCESS
}
