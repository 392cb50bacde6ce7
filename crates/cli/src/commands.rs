//! The commands of `wdconnect`, each a short call into `connector` plus its rendering.

use std::io::{IsTerminal, Read};
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

use crate::args::{Cli, ClientAuthArg, Command, RedirectHostArg};
use crate::output::{self, EXIT_FAILED, EXIT_OK};

pub async fn run(cli: Cli) -> u8 {
    if let Command::Guide {
        redirect_port,
        localhost,
        json,
    } = cli.command
    {
        return guide(redirect_port, localhost, json);
    }
    let json = json_flag(&cli.command);
    let home = match Home::resolve(cli.home.clone()) {
        Ok(h) => h,
        Err(e) => {
            output::problems(json, &[e.problem()]);
            return EXIT_FAILED;
        }
    };
    let connector = match Connector::open(home) {
        Ok(c) => Arc::new(c),
        Err(e) => return output::failure(json, &e),
    };
    let result = match cli.command {
        Command::Guide { .. } => unreachable!("handled above"),
        Command::Add {
            name,
            values,
            options,
            client_secret_stdin,
            json,
        } => {
            let mut profile = Profile::new(&name);
            profile.client_id = values.client_id;
            profile.rest_api_endpoint = values.rest_endpoint;
            profile.token_endpoint = values.token_endpoint;
            profile.authorization_endpoint = values.authorize_endpoint;
            if let Some(port) = options.redirect_port {
                profile.redirect_port = port;
            }
            if options.localhost {
                profile.redirect_host = RedirectHost::Localhost;
            }
            profile.pkce = !options.no_pkce;
            if let Some(auth) = options.client_auth {
                profile.client_auth = client_auth(auth);
            }
            profile.sso = options.sso;
            // Check the values before asking for the secret: a typo should not cost a paste.
            if let Err(e) = connector.precheck(&profile) {
                return output::failure(json, &e);
            }
            match read_secret(client_secret_stdin, "Client Secret") {
                Err(p) => Err(ConnectorError::Invalid(vec![p])),
                Ok(secret) => connector.add(profile, secret).await.map(|warnings| {
                    report_changed(json, "added", &name, &warnings);
                }),
            }
        }
        Command::List { json } => connector.list().map(|all| list(json, &all)),
        Command::Show { name, json } => connector.get(&name).map(|c| show(json, &c)),
        Command::Edit {
            name,
            values,
            options,
            client_secret_stdin,
            json,
        } => {
            let secret = if client_secret_stdin {
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
                if let Some(v) = options.redirect_port {
                    p.redirect_port = v;
                }
                if let Some(v) = options.redirect_host {
                    p.redirect_host = match v {
                        RedirectHostArg::Ipv4 => RedirectHost::Ipv4Literal,
                        RedirectHostArg::Localhost => RedirectHost::Localhost,
                    };
                }
                if let Some(v) = options.pkce {
                    p.pkce = v;
                }
                if let Some(v) = options.client_auth {
                    p.client_auth = client_auth(v);
                }
                if let Some(v) = options.sso {
                    p.sso = v;
                }
            };
            connector
                .edit(&name, change, secret)
                .await
                .map(|warnings| report_changed(json, "edited", &name, &warnings))
        }
        Command::Remove {
            name: Some(name),
            delete_events,
            json,
            ..
        } => connector.remove(&name, delete_events).await.map(|removed| {
            if json {
                output::print_json(&removed);
            } else {
                print_removed(&removed);
            }
        }),
        Command::Remove {
            name: None,
            delete_events,
            json,
            ..
        } => remove_all(&connector, delete_events, json).await,
        Command::Rename {
            name,
            new_name,
            json,
        } => connector.rename(&name, &new_name).await.map(|new| {
            if json {
                output::print_json(&serde_json::json!({"renamed": name, "to": new}));
            } else {
                println!(
                    "Renamed \"{name}\" to \"{new}\"; its secrets and activity log moved with it."
                );
            }
        }),
        Command::Connect {
            name,
            no_browser,
            timeout,
            json,
        } => {
            return connect(
                &connector,
                &name,
                no_browser,
                Duration::from_secs(timeout),
                json,
            )
            .await;
        }
        Command::Test { name, json } => match connector.test(&name).await {
            Ok(report) => {
                print_report(json, &report);
                return if report.passed { EXIT_OK } else { EXIT_FAILED };
            }
            Err(e) => Err(e),
        },
        Command::Status { json } => connector.statuses().map(|all| {
            let forwarding = connector.forward_list(None).unwrap_or_default();
            status(json, &all, &forwarding)
        }),
        Command::Disconnect { name, json } => connector.disconnect(&name).await.map(|()| {
            if json {
                output::print_json(&serde_json::json!({"disconnected": name}));
            } else {
                println!(
                    "Forgot the tokens of \"{name}\"; its settings and client secret are kept."
                );
            }
        }),
        Command::Sandbox {
            json,
            redirect_port,
            seed,
            events,
        } => {
            return sandbox(
                &connector,
                json,
                SandboxOptions {
                    redirect_port,
                    seed,
                    events,
                },
            )
            .await;
        }
        Command::Sync { name, args, json } => {
            return crate::activity::sync(&connector, &name, &args, json).await;
        }
        Command::Events { name, args, json } => {
            return crate::activity::events(&connector, &name, &args, json).await;
        }
        Command::Forward { command } => return crate::forward::run(&connector, command).await,
        Command::Run { args, json } => return crate::run::run(connector, &args, json).await,
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => output::failure(json, &e),
    }
}

fn json_flag(command: &Command) -> bool {
    match command {
        Command::Guide { json, .. }
        | Command::Add { json, .. }
        | Command::List { json }
        | Command::Show { json, .. }
        | Command::Edit { json, .. }
        | Command::Remove { json, .. }
        | Command::Rename { json, .. }
        | Command::Connect { json, .. }
        | Command::Test { json, .. }
        | Command::Status { json }
        | Command::Disconnect { json, .. }
        | Command::Sandbox { json, .. }
        | Command::Sync { json, .. }
        | Command::Events { json, .. }
        | Command::Run { json, .. } => *json,
        Command::Forward { command } => command.json(),
    }
}

fn client_auth(arg: ClientAuthArg) -> ClientAuth {
    match arg {
        ClientAuthArg::Basic => ClientAuth::Basic,
        ClientAuthArg::Body => ClientAuth::Body,
    }
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

fn guide(port: u16, localhost: bool, json: bool) -> u8 {
    let host = if localhost {
        RedirectHost::Localhost
    } else {
        RedirectHost::Ipv4Literal
    };
    let g = connector::guide::guide(port, host);
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

fn list(json: bool, all: &[ConnectionView]) {
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

fn show(json: bool, c: &ConnectionView) {
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

fn status(
    json: bool,
    all: &[(String, connector::state::ConnectionState)],
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

async fn connect(
    connector: &Connector,
    name: &str,
    no_browser: bool,
    timeout: Duration,
    json: bool,
) -> u8 {
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
    match connector.connect(name, browser, options, progress).await {
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

async fn sandbox(connector: &Connector, json: bool, options: SandboxOptions) -> u8 {
    let sandbox = match connector.start_sandbox(options).await {
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
