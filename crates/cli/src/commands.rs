//! The commands of `wdconnect`: one dispatch line and one function each, a short call into
//! `connector` plus its rendering.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use connector::connections::{ConnectionView, Connector, ConnectorError};
use connector::loopback::RedirectHost;
use connector::paths::Home;
use connector::profile::{ClientAuth, Profile};
use connector::signin::{SignInOptions, SignInProgress};
use connector::staged::{TestReport, Verdict};
use connector::{Diagnose, Problem, SandboxOptions};
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::activity;
use crate::args::{
    AddArgs, Cli, ClientAuthArg, Command, ConnectArgs, EditArgs, GuideArgs, Options,
    RedirectHostArg, RemoveArgs, SandboxArgs,
};
use crate::output::{self, EXIT_FAILED, EXIT_OK};

/// Runs one command line and returns its exit code.
pub async fn run(cli: Cli) -> u8 {
    let json = cli.json;
    match cli.command {
        // The guide needs no connection store: it answers even where the home cannot be made.
        Command::Guide(args) => guide(&args, json),
        command => match open(cli.home, json) {
            // Shared: `run` hands the connector to its per-connection tasks.
            Ok(connector) => dispatch(&Arc::new(connector), command, json).await,
            Err(code) => code,
        },
    }
}

/// One line per command: its function does the work, prints, and says the exit code.
async fn dispatch(c: &Arc<Connector>, command: Command, json: bool) -> u8 {
    match command {
        Command::Guide(args) => guide(&args, json),
        Command::Add(args) => add(c, args, json).await,
        Command::List => list(c, json),
        Command::Show { name } => show(c, &name, json),
        Command::Edit(args) => edit(c, args, json).await,
        Command::Remove(args) => remove(c, &args, json).await,
        Command::Rename { name, new_name } => rename(c, &name, &new_name, json).await,
        Command::Connect(args) => connect(c, &args, json).await,
        Command::Test { name } => test(c, &name, json).await,
        Command::Status => status(c, json),
        Command::Disconnect { name } => disconnect(c, &name, json).await,
        Command::Sync { name, args } => activity::sync(c, &name, &args, json).await,
        Command::Events { name, args } => activity::events(c, &name, &args, json).await,
        Command::Sandbox(args) => sandbox(c, &args, json).await,
        Command::Alerts { action, name, args } => {
            crate::alerts::run(c, action, name, &args, json).await
        }
        Command::Rules { name } => crate::rules::run(c, name, json),
        Command::Tags { action } => crate::tags::run(c, action, json).await,
        Command::Forward { command } => crate::forward::run(c, command, json).await,
        Command::Run { args } => crate::run::run(c.clone(), &args, json).await,
    }
}

/// The connections of `--home` (or `WDCONNECT_HOME`, or the OS config directory); on a failure
/// it is reported and its exit code returned.
fn open(home: Option<PathBuf>, json: bool) -> Result<Connector, u8> {
    let home = Home::resolve(home).map_err(|e| {
        output::problems(json, &[e.problem()]);
        EXIT_FAILED
    })?;
    Connector::open(home).map_err(|e| output::failure(json, &e))
}

async fn add(c: &Connector, args: AddArgs, json: bool) -> u8 {
    let (name, values) = (args.name, args.values);
    let mut profile = Profile::new(&name);
    profile.client_id = values.client_id;
    profile.rest_api_endpoint = values.rest_endpoint;
    profile.token_endpoint = values.token_endpoint;
    profile.authorization_endpoint = values.authorize_endpoint;
    apply_options(args.options, &mut profile);
    // Check the values before asking for the secret: a typo should not cost a paste.
    if let Err(e) = c.precheck(&profile) {
        return output::failure(json, &e);
    }
    let added = match read_secret(args.client_secret_stdin, "Client Secret") {
        Err(p) => Err(ConnectorError::Invalid(vec![p])),
        Ok(secret) => c.add(profile, secret).await,
    };
    output::finish(
        json,
        added.map(|warnings| report_changed(json, "added", &name, &warnings)),
    )
}

async fn edit(c: &Connector, args: EditArgs, json: bool) -> u8 {
    let (name, values, options) = (args.name, args.values, args.options);
    let secret = if args.client_secret_stdin {
        match read_secret(true, "Client Secret") {
            Ok(s) => Some(s),
            Err(p) => return output::failure(json, &ConnectorError::Invalid(vec![p])),
        }
    } else {
        None
    };
    let change = move |p: &mut Profile| {
        if let Some(v) = values.client_id {
            p.client_id = v;
        }
        if let Some(v) = values.rest_endpoint {
            p.rest_api_endpoint = v;
        }
        if let Some(v) = values.token_endpoint {
            p.token_endpoint = v;
        }
        if let Some(v) = values.authorize_endpoint {
            p.authorization_endpoint = v;
        }
        apply_options(options, p);
    };
    let edited = c.edit(&name, change, secret).await;
    output::finish(
        json,
        edited.map(|warnings| report_changed(json, "edited", &name, &warnings)),
    )
}

/// Writes the options that were given onto `p` (the same for `add` and `edit`); the rest stays.
fn apply_options(options: Options, p: &mut Profile) {
    if let Some(port) = options.redirect_port {
        p.redirect_port = port;
    }
    let host = options
        .redirect_host
        .or(options.localhost.then_some(RedirectHostArg::Localhost));
    if let Some(host) = host {
        p.redirect_host = match host {
            RedirectHostArg::Ipv4 => RedirectHost::Ipv4Literal,
            RedirectHostArg::Localhost => RedirectHost::Localhost,
        };
    }
    if let Some(pkce) = options.pkce.or(options.no_pkce.then_some(false)) {
        p.pkce = pkce;
    }
    if let Some(auth) = options.client_auth {
        p.client_auth = match auth {
            ClientAuthArg::Basic => ClientAuth::Basic,
            ClientAuthArg::Body => ClientAuth::Body,
        };
    }
    if let Some(sso) = options.sso {
        p.sso = sso;
    }
    if let Some(days) = options.retention_days {
        p.sync.retention_days = days;
    }
}

fn list(c: &Connector, json: bool) -> u8 {
    output::finish(json, c.list().map(|all| print_list(json, &all)))
}

fn show(c: &Connector, name: &str, json: bool) -> u8 {
    output::finish(json, c.get(name).map(|view| print_show(json, &view)))
}

fn status(c: &Connector, json: bool) -> u8 {
    output::finish(
        json,
        c.statuses().map(|all| {
            let forwarding = c.forward_list(None).unwrap_or_default();
            print_status(json, &all, &forwarding)
        }),
    )
}

async fn remove(c: &Connector, args: &RemoveArgs, json: bool) -> u8 {
    let Some(name) = &args.name else {
        return output::finish(json, remove_all(c, args.delete_events, json).await);
    };
    let removed = c.remove(name, args.delete_events).await;
    output::finish(
        json,
        removed.map(|removed| {
            if json {
                output::print_json(&removed);
            } else {
                print_removed(&removed);
            }
        }),
    )
}

async fn rename(c: &Connector, name: &str, new_name: &str, json: bool) -> u8 {
    let renamed = c.rename(name, new_name).await;
    output::finish(
        json,
        renamed.map(|new| {
            if json {
                output::print_json(&serde_json::json!({"renamed": name, "to": new}));
            } else {
                println!(
                    "Renamed \"{name}\" to \"{new}\"; its secrets and activity log moved with it."
                );
            }
        }),
    )
}

/// The staged test; exit 1 when a step fails (the report says which and why).
async fn test(c: &Connector, name: &str, json: bool) -> u8 {
    match c.test(name).await {
        Ok(report) => {
            print_report(json, &report);
            if report.passed { EXIT_OK } else { EXIT_FAILED }
        }
        Err(e) => output::failure(json, &e),
    }
}

async fn disconnect(c: &Connector, name: &str, json: bool) -> u8 {
    let done = c.disconnect(name).await;
    output::finish(
        json,
        done.map(|()| {
            if json {
                output::print_json(&serde_json::json!({"disconnected": name}));
            } else {
                println!(
                    "Forgot the tokens of \"{name}\"; its settings and client secret are kept."
                );
            }
        }),
    )
}

/// The client secret: from standard input with `--client-secret-stdin`, else from a prompt that
/// does not echo. Never from an argument: arguments show in process lists and shell history.
fn read_secret(from_stdin: bool, label: &str) -> Result<SecretString, Problem> {
    let value = if from_stdin {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| {
            Problem::new("input.stdin_unreadable", format!("Could not read the {label} from standard input: {e}."), "Pipe the secret in, e.g. `printf %s \"$SECRET\" | wdconnect add ... --client-secret-stdin`.")
        })?;
        s.trim_end_matches(['\r', '\n']).to_string()
    } else if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("{label} (input hidden): ")).map_err(|e| {
            Problem::new(
                "input.prompt_failed",
                format!("Could not read the {label}: {e}."),
                "Use --client-secret-stdin and pipe the secret in.",
            )
        })?
    } else {
        return Err(Problem::new(
            "input.secret_needed",
            format!("The {label} is needed and there is no terminal to ask for it."),
            "Pass --client-secret-stdin and pipe the secret in.",
        ));
    };
    Ok(SecretString::from(value))
}

fn report_changed(json: bool, verb: &str, name: &str, warnings: &[Problem]) {
    if json {
        output::print_json(&serde_json::json!({ verb: name, "warnings": warnings }));
    } else {
        output::warnings(warnings);
        println!("Connection \"{name}\" {verb}. Next: wdconnect connect \"{name}\"");
    }
}

fn guide(args: &GuideArgs, json: bool) -> u8 {
    let host = if args.localhost {
        RedirectHost::Localhost
    } else {
        RedirectHost::Ipv4Literal
    };
    let g = connector::guide::guide(args.redirect_port, host);
    if json {
        output::print_json(&g);
        return EXIT_OK;
    }
    println!(
        "1. Security group of the account that will sign in (Maintain Permissions for Security Group):"
    );
    println!();
    println!(
        "   {:<10} {:<36} {:<14} Integration",
        "Area", "Domain", "Report/Task"
    );
    for p in g.security_group_permissions {
        println!(
            "   {:<10} {:<36} {:<14} {}",
            p.functional_area, p.domain, p.report_task, p.integration
        );
    }
    println!();
    println!("   Then run \"Activate Pending Security Policy Changes\".");
    println!();
    println!("2. Tenant settings:");
    for s in g.tenant_settings {
        println!("   {} > {}: {}  ({})", s.task, s.setting, s.value, s.why);
    }
    println!();
    println!("3. Task \"Register API Client\":");
    for f in &g.register_api_client {
        let note = if f.note.is_empty() {
            String::new()
        } else {
            format!("  ({})", f.note)
        };
        println!("   {:<44} {}{}", f.field, f.value, note);
    }
    println!();
    println!("Good to know:");
    for n in g.notes {
        println!("   - {n}");
    }
    println!();
    println!(
        "Then: wdconnect add NAME --client-id ... --rest-endpoint ... --token-endpoint ... --authorize-endpoint ..."
    );
    EXIT_OK
}

fn print_list(json: bool, all: &[ConnectionView]) {
    if json {
        output::print_json(&serde_json::json!({ "connections": all }));
        return;
    }
    if all.is_empty() {
        println!("No connections yet. Start with: wdconnect guide");
        return;
    }
    println!("{:<24} {:<20} REST API ENDPOINT", "NAME", "STATUS");
    for c in all {
        println!(
            "{:<24} {:<20} {}",
            c.profile.name,
            c.state.status.label(),
            c.profile.rest_api_endpoint
        );
    }
}

fn print_show(json: bool, c: &ConnectionView) {
    if json {
        output::print_json(c);
        return;
    }
    let p = &c.profile;
    println!("{}", p.name);
    println!("  Status                  {}", c.state.status);
    println!("  Client ID               {}", p.client_id);
    println!("  REST API endpoint       {}", p.rest_api_endpoint);
    println!("  Token endpoint          {}", p.token_endpoint);
    println!("  Authorization endpoint  {}", p.authorization_endpoint);
    println!("  Redirection URI         {}", c.redirect_uri);
    println!(
        "  PKCE                    {}",
        if p.pkce { "on" } else { "off" }
    );
    println!("  Client authentication   {:?}", p.client_auth);
    println!(
        "  SSO tenant              {}",
        if p.sso { "yes (redirect=n)" } else { "no" }
    );
    if let Some(t) = c.state.last_success {
        println!("  Last successful check   {t}");
    }
    if let Some(e) = &c.state.last_error {
        println!("  Last error              {} [{}]", e.message, e.code);
    }
}

fn print_status(
    json: bool,
    all: &[(String, connector::status::ConnectionState)],
    forwarding: &[connector::forwarding::ForwardStatus],
) {
    if json {
        let list: Vec<_> = all
            .iter()
            .map(|(name, s)| {
                let forward: Vec<_> = forwarding.iter().filter(|f| &f.connection == name).collect();
                serde_json::json!({"name": name, "status": s.status, "last_check": s.last_check, "last_success": s.last_success, "last_error": s.last_error, "forwarding": forward})
            })
            .collect();
        output::print_json(
            &serde_json::json!({ "overall": connector::Status::overall(all.iter().map(|(_, s)| &s.status)), "connections": list }),
        );
        return;
    }
    if all.is_empty() {
        println!("No connections yet. Start with: wdconnect guide");
        return;
    }
    for (name, s) in all {
        println!("{:<24} {}", name, s.status);
        for f in forwarding.iter().filter(|f| &f.connection == name) {
            println!("  {}", crate::forward::status_line(f));
        }
    }
}

fn print_report(json: bool, report: &TestReport) {
    if json {
        output::print_json(report);
        return;
    }
    println!("Testing \"{}\":", report.connection);
    for (i, step) in report.steps.iter().enumerate() {
        let mark = match step.verdict {
            Verdict::Pass => "PASS",
            Verdict::Warn => "WARN",
            Verdict::Fail => "FAIL",
            Verdict::Skipped => "SKIP",
        };
        let http = step
            .http_status
            .map(|s| format!(" (HTTP {s})"))
            .unwrap_or_default();
        println!("  {}. {:<13} {}{}", i + 1, step.title, mark, http);
        if let Some(d) = &step.detail {
            println!("     {d}");
        }
        if let Some(p) = &step.problem {
            println!("     {} [{}]", p.message, p.code);
            println!("     needs: {}", step.needs);
            println!("     fix:   {}", p.fix);
        }
    }
    println!("Status: {}", report.status);
}

/// Removes every connection and its secrets, one after another; on a failure the ones not yet
/// removed stay whole (profile and secrets), so running it again finishes the job.
async fn remove_all(
    connector: &Connector,
    delete_events: bool,
    json: bool,
) -> Result<(), ConnectorError> {
    let mut removed = Vec::new();
    let mut kept = Vec::new();
    for view in connector.list()? {
        let outcome = connector.remove(&view.profile.name, delete_events).await?;
        kept.extend(outcome.activity_log_kept);
        removed.push(view.profile.name);
    }
    if json {
        output::print_json(&serde_json::json!({ "removed": removed, "activity_logs_kept": kept }));
    } else if removed.is_empty() {
        println!("No connections to remove.");
    } else {
        println!(
            "Removed {} connection(s) and their secrets: {}.",
            removed.len(),
            removed.join(", ")
        );
        for path in kept {
            println!("Activity log kept: {}", path.display());
        }
    }
    Ok(())
}

fn print_removed(r: &connector::connections::Removed) {
    let name = &r.name;
    match (&r.activity_log_kept, r.activity_log_deleted) {
        (Some(path), _) => println!(
            "Removed \"{name}\" and its secrets. Its activity log is kept at {} (delete it with \
             the connection next time: --delete-events).",
            path.display()
        ),
        (None, true) => println!("Removed \"{name}\", its secrets and its activity log."),
        (None, false) => println!("Removed \"{name}\" and its secrets."),
    }
}

/// Signs in through the browser; Ctrl-C cancels.
async fn connect(c: &Connector, args: &ConnectArgs, json: bool) -> u8 {
    let name = args.name.as_str();
    let no_browser = args.no_browser;
    let timeout = Duration::from_secs(args.timeout);
    let cancel = CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let browser: Arc<dyn connector::browser::Browser> = if no_browser {
        Arc::new(NoBrowser)
    } else {
        Arc::new(connector::browser::SystemBrowser)
    };
    let options = SignInOptions { timeout, cancel };
    let progress = move |p: SignInProgress| match p {
        SignInProgress::Waiting { url, redirect_uri } => {
            eprintln!("Waiting for the sign-in on {redirect_uri} (Ctrl-C to cancel).");
            if no_browser {
                eprintln!("Open this link in a browser to sign in:");
            } else {
                eprintln!("Your browser should open; if it does not, open this link:");
            }
            eprintln!("  {url}");
        }
        SignInProgress::BrowserFailed { reason } => {
            eprintln!("The browser could not be opened ({reason}); open the link above by hand.");
        }
    };
    match c.connect(name, browser, options, progress).await {
        Ok(()) => {
            if json {
                output::print_json(&serde_json::json!({"connected": name}));
            } else {
                println!("Signed in. \"{name}\" is connected. Next: wdconnect test \"{name}\"");
            }
            EXIT_OK
        }
        Err(e) => output::failure(json, &e),
    }
}

async fn sandbox(c: &Connector, args: &SandboxArgs, json: bool) -> u8 {
    let options = SandboxOptions {
        redirect_port: args.redirect_port,
        seed: args.seed,
        events: args.events,
    };
    let sandbox = match c.start_sandbox(options).await {
        Ok(s) => s,
        Err(e) => return output::failure(json, &e),
    };
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
        println!(
            "The connection \"sandbox\" points at it, with its client secret in the credential store."
        );
        println!("In another terminal: wdconnect connect sandbox && wdconnect test sandbox");
        println!("Press Ctrl-C to stop the sandbox.");
    }
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    EXIT_OK
}

/// `--no-browser`: the link is printed and nothing is opened.
struct NoBrowser;

impl connector::browser::Browser for NoBrowser {
    fn open(&self, _url: &str) -> Result<(), String> {
        Ok(())
    }
}
