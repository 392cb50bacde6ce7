//! The shape of the command line: `--json` before or after the command, and `add` and `edit`
//! taking the same option names (with the older short forms still accepted by both).

use e2e::cli::Cli;
use serde_json::Value;

use crate::assert_mentions;

const ID: &str = "ZmM1YjE2ZTctYzQ4Ny00";
const SECRET: &str = "wdc-options-test-secret-4b8e1d";
const REST: &str = "https://wd5-services1.myworkday.com/ccx/api/v1/acme";
const TOKEN: &str = "https://wd5-services1.myworkday.com/ccx/oauth2/acme/token";
const AUTHORIZE: &str = "https://wd5.myworkday.com/acme/authorize";

/// `add NAME` with the three URLs above and these options.
async fn add(cli: &Cli, name: &str, options: &[&str]) -> e2e::cli::Run {
    options
        .iter()
        .fold(cli.cmd(["add", name]), |cmd, o| cmd.arg(*o))
        .values(ID, REST, TOKEN, AUTHORIZE)
        .stdin(SECRET)
        .run()
        .await
}

/// `show NAME --json`: the settings that the options change.
async fn settings(cli: &Cli, name: &str) -> Value {
    let p = cli.cmd(["show", name]).run().await.ok();
    serde_json::json!({
        "redirect_port": p["redirect_port"],
        "redirect_host": p["redirect_host"],
        "pkce": p["pkce"],
        "client_auth": p["client_auth"],
        "sso": p["sso"],
        "redirect_uri": p["redirect_uri"],
    })
}

fn expect(port: u16, host: &str, pkce: bool, auth: &str, sso: bool) -> Value {
    let uri_host = if host == "localhost" {
        "localhost"
    } else {
        "127.0.0.1"
    };
    serde_json::json!({
        "redirect_port": port,
        "redirect_host": host,
        "pkce": pkce,
        "client_auth": auth,
        "sso": sso,
        "redirect_uri": format!("http://{uri_host}:{port}/callback"),
    })
}

/// The messages of a `--json` refusal, each error's own `{"errors": [...]}` on stdout.
fn refusal(run: &e2e::cli::Run) -> String {
    let errors = run.errors();
    assert!(!errors.is_empty(), "no errors reported: {run}");
    errors
        .iter()
        .map(|e| format!("{} {}\n", e.message, e.fix))
        .collect()
}

/// `wdconnect --json CMD` and `wdconnect CMD --json` print the same document, for answers and
/// for errors (with the same exit code); without `--json` the text is not JSON.
#[tokio::test(flavor = "multi_thread")]
async fn json_is_one_global_flag_before_or_after_the_command() {
    let cli = Cli::new();
    add(&cli, "acme", &[]).await.ok();
    let lines: &[&[&str]] = &[
        &["status"],
        &["list"],
        &["show", "acme"],
        &["show", "nope"],
        &["guide", "--redirect-port", "9100"],
        &["events", "acme", "--since", "yesterday"],
    ];
    for line in lines {
        let after = cli.cmd(line.iter().copied()).run().await;
        let before = cli
            .cmd(std::iter::once("--json").chain(line.iter().copied()))
            .human()
            .run()
            .await;
        assert_eq!(before.code, after.code, "{before}\n{after}");
        assert_eq!(before.json(), after.json(), "{before}\n{after}");
        let human = cli.cmd(line.iter().copied()).human().run().await;
        assert_eq!(human.code, after.code, "{human}");
        assert!(
            serde_json::from_str::<Value>(&human.stdout).is_err(),
            "without --json: {human}"
        );
    }
    cli.cmd(["--json", "show", "nope"])
        .human()
        .run()
        .await
        .error(2, "profile.not_found");
}

/// Every option of `add` works on `edit` and the other way round, under one name each; the short
/// forms `--localhost`, `--no-pkce` and a bare `--sso` or `--pkce` work on both.
#[tokio::test(flavor = "multi_thread")]
async fn add_and_edit_take_the_same_option_names() {
    let cli = Cli::new();
    // The long forms on add (`--redirect-host` and `--pkce BOOL` were edit's only).
    let long = [
        "--redirect-port",
        "9001",
        "--redirect-host",
        "localhost",
        "--pkce",
        "false",
        "--client-auth",
        "body",
        "--sso",
        "true",
    ];
    add(&cli, "long", &long).await.ok();
    assert_eq!(
        settings(&cli, "long").await,
        expect(9001, "localhost", false, "body", true)
    );
    // The short forms on add, as before.
    add(&cli, "short", &["--localhost", "--no-pkce", "--sso"])
        .await
        .ok();
    assert_eq!(
        settings(&cli, "short").await,
        expect(8413, "localhost", false, "basic", true)
    );

    // The long forms on edit, as before, and a bare `--pkce`.
    let run = cli
        .cmd(["edit", "long", "--redirect-host", "127.0.0.1", "--pkce"])
        .arg("--sso")
        .arg("false")
        .run()
        .await;
    run.ok();
    assert_eq!(
        settings(&cli, "long").await,
        expect(9001, "ipv4_literal", true, "body", false),
        "{run}"
    );
    // The short forms on edit (add's only, before).
    cli.cmd(["edit", "long", "--localhost", "--no-pkce", "--sso"])
        .run()
        .await
        .ok();
    assert_eq!(
        settings(&cli, "long").await,
        expect(9001, "localhost", false, "body", true)
    );
    // What is not given stays.
    cli.cmd(["edit", "long", "--redirect-port", "9002"])
        .run()
        .await
        .ok();
    assert_eq!(
        settings(&cli, "long").await,
        expect(9002, "localhost", false, "body", true)
    );
}

/// Contradicting or malformed options are refused with exit 2 and a message naming them, and
/// nothing is written: no connection or secret on `add`, no change on `edit`.
#[tokio::test(flavor = "multi_thread")]
async fn contradicting_options_are_refused_and_nothing_changes() {
    let cli = Cli::new();
    let bad: &[(&[&str], &str)] = &[
        (
            &["--localhost", "--redirect-host", "127.0.0.1"],
            "--localhost",
        ),
        (&["--pkce", "false", "--no-pkce"], "--no-pkce"),
        (&["--pkce", "maybe"], "maybe"),
        (&["--redirect-host", "example.com"], "example.com"),
        // Kept for fewer days than the first sync reads back (7 by default).
        (&["--retention-days", "3"], "read back"),
        (&["--retention-days", "a week"], "a week"),
    ];
    for (options, mention) in bad {
        let run = add(&cli, "acme", options).await;
        assert_eq!(run.code, 2, "{run}");
        assert_mentions(&refusal(&run), mention, &run);
        assert!(!cli.config_file().exists(), "a refused add wrote: {run}");
        assert_eq!(cli.keyring("acme", "client-secret"), None, "{run}");
    }

    add(&cli, "acme", &[]).await.ok();
    let before = cli.snapshot();
    let secret = cli.keyring("acme", "client-secret");
    for (options, mention) in bad {
        let run = options
            .iter()
            .fold(cli.cmd(["edit", "acme"]), |cmd, o| cmd.arg(*o))
            .run()
            .await;
        assert_eq!(run.code, 2, "{run}");
        assert_mentions(&refusal(&run), mention, &run);
        assert_eq!(
            cli.snapshot(),
            before,
            "a refused edit changed a file: {run}"
        );
        assert_eq!(cli.keyring("acme", "client-secret"), secret, "{run}");
    }
}

/// A command line that clap refuses (an unknown option, a missing name, an unknown command) is,
/// under `--json`, the usual `{"errors": [...]}` on stdout with exit 2, so a script reads every
/// refusal the same way; without `--json` it stays clap's text on stderr. Nothing is changed.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_command_line_answers_in_json_under_json_and_changes_nothing() {
    let cli = Cli::new();
    add(&cli, "acme", &[]).await.ok();
    let before = cli.snapshot();

    let run = cli
        .cmd(["edit", "acme", "--no-such-option", "x"])
        .run()
        .await;
    let e = run.error(2, "usage.unknown_argument");
    assert_mentions(&e.message, "--no-such-option", &run);
    cli.cmd(["show"])
        .run()
        .await
        .error(2, "usage.missing_argument");
    cli.cmd(["frobnicate"])
        .run()
        .await
        .error(2, "usage.unknown_command");

    let text = cli
        .cmd(["edit", "acme", "--no-such-option", "x"])
        .human()
        .run()
        .await;
    assert_eq!(text.code, 2, "{text}");
    assert!(text.stdout.is_empty(), "{text}");
    assert!(text.stderr.contains("--no-such-option"), "{text}");

    assert_eq!(
        cli.snapshot(),
        before,
        "a refused command line changed a file"
    );
}

/// How long events are kept is set by `add` and `edit` alike (0 keeps everything), shown by
/// `show`, and 90 days when not given.
#[tokio::test(flavor = "multi_thread")]
async fn retention_days_is_set_by_add_and_edit() {
    let cli = Cli::new();
    let kept = |p: Value| p["sync"]["retention_days"].clone();
    add(&cli, "acme", &[]).await.ok();
    assert_eq!(kept(cli.cmd(["show", "acme"]).run().await.ok()), 90);
    add(&cli, "globex", &["--retention-days", "0"]).await.ok();
    assert_eq!(kept(cli.cmd(["show", "globex"]).run().await.ok()), 0);
    cli.cmd(["edit", "globex", "--retention-days", "30"])
        .run()
        .await
        .ok();
    assert_eq!(kept(cli.cmd(["show", "globex"]).run().await.ok()), 30);
}
