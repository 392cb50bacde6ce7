//! Bad input and broken surroundings, refused without changing anything: malformed endpoints,
//! bad and duplicate names, unknown connections, no Secret Service, a corrupt config file.

use e2e::cli::Cli;

use crate::assert_mentions;

const ID: &str = "ZmM1YjE2ZTctYzQ4Ny00";
const SECRET: &str = "wdc-input-test-secret-7f3a9c";
const REST: &str = "https://wd5-services1.myworkday.com/ccx/api/v1/acme";
const TOKEN: &str = "https://wd5-services1.myworkday.com/ccx/oauth2/acme/token";
const AUTHORIZE: &str = "https://wd5.myworkday.com/acme/authorize";

/// `add NAME` with these three URLs.
async fn add(cli: &Cli, name: &str, rest: &str, token: &str, authorize: &str) -> e2e::cli::Run {
    cli.cmd(["add", name])
        .values(ID, rest, token, authorize)
        .stdin(SECRET)
        .run()
        .await
}

/// Each malformed endpoint is refused with exit 2 and its own code, naming the field; nothing is
/// written (no config file, no secret). Surrounding whitespace and a trailing slash are forgiven.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_endpoints_are_refused_and_nothing_is_written() {
    let cli = Cli::new();
    let cases: &[(&str, [&str; 3], &str, &str)] = &[
        (
            "http on a non-loopback host",
            [
                "http://wd5-services1.myworkday.com/ccx/api/v1/acme",
                TOKEN,
                AUTHORIZE,
            ],
            "endpoint.not_https",
            "https://",
        ),
        (
            "/oauth/ in the token URL",
            [
                REST,
                "https://wd5-services1.myworkday.com/ccx/oauth/acme/token",
                AUTHORIZE,
            ],
            "endpoint.token_oauth_typo",
            "/oauth2/",
        ),
        (
            "/v2 REST",
            [
                "https://wd5-services1.myworkday.com/ccx/api/v2/acme",
                TOKEN,
                AUTHORIZE,
            ],
            "endpoint.rest_v2_typo",
            "/v1",
        ),
        (
            "the activityLogging URL pasted as REST",
            [
                "https://wd5-services1.myworkday.com/ccx/api/privacy/v1/acme/activityLogging",
                TOKEN,
                AUTHORIZE,
            ],
            "endpoint.rest_is_activity_url",
            "activity",
        ),
        (
            "not a URL",
            ["REST API endpoint", TOKEN, AUTHORIZE],
            "endpoint.contains_whitespace",
            "Workday REST API Endpoint",
        ),
        (
            "not a URL (no scheme)",
            [
                "wd5-services1.myworkday.com/ccx/api/v1/acme",
                TOKEN,
                AUTHORIZE,
            ],
            "endpoint.missing_scheme",
            "https://",
        ),
        (
            "the authorize URL in the token field",
            [REST, AUTHORIZE, AUTHORIZE],
            "endpoint.token_is_authorization_url",
            "Token Endpoint",
        ),
        (
            "mismatched tenants",
            [REST, TOKEN, "https://wd5.myworkday.com/globex/authorize"],
            "endpoint.tenant_mismatch",
            "globex",
        ),
        (
            "mismatched tenants (REST)",
            [
                "https://wd5-services1.myworkday.com/ccx/api/v1/acme_preview",
                TOKEN,
                AUTHORIZE,
            ],
            "endpoint.tenant_mismatch",
            "acme_preview",
        ),
    ];
    for (what, [rest, token, authorize], code, mention) in cases {
        let run = add(&cli, "acme", rest, token, authorize).await;
        let e = run.error(2, code);
        assert_mentions(&e.text(), mention, &format!("{what}\n{run}"));
        assert!(
            !cli.config_file().exists(),
            "{what}: a refused add wrote the config file"
        );
        assert_eq!(
            cli.keyring("acme", "client-secret"),
            None,
            "{what}: a refused add stored the secret"
        );
    }

    // Surrounding whitespace and one trailing slash are copy artefacts: forgiven and trimmed.
    let run = add(
        &cli,
        "acme",
        &format!("  {REST}/ "),
        &format!("\t{TOKEN}/"),
        &format!("{AUTHORIZE}/\n"),
    )
    .await;
    assert_eq!(run.ok()["added"], "acme");
    let shown = cli.cmd(["show", "acme"]).run().await.ok();
    assert_eq!(shown["rest_api_endpoint"], REST);
    assert_eq!(shown["token_endpoint"], TOKEN);
    assert_eq!(shown["authorization_endpoint"], AUTHORIZE);
    assert_eq!(
        cli.keyring("acme", "client-secret").as_deref(),
        Some(SECRET)
    );
}

/// An empty name and a duplicate name (letter case ignored) exit 2; the first connection, its
/// file entry and its secret are untouched.
#[tokio::test(flavor = "multi_thread")]
async fn empty_and_duplicate_names_are_refused() {
    let cli = Cli::new();
    let run = add(&cli, "", REST, TOKEN, AUTHORIZE).await;
    let e = run.error(2, "profile.name_empty");
    assert_mentions(&e.text(), "name", &run);
    let run = add(&cli, "   ", REST, TOKEN, AUTHORIZE).await;
    run.error(2, "profile.name_empty");
    assert!(!cli.config_file().exists());

    add(&cli, "Acme", REST, TOKEN, AUTHORIZE).await.ok();
    let before = std::fs::read(cli.config_file()).unwrap();
    for name in ["Acme", "acme", "ACME"] {
        let run = cli
            .cmd(["add", name])
            .values(
                "another-client",
                "https://wd2-services1.myworkday.com/ccx/api/v1/globex",
                "https://wd2-services1.myworkday.com/ccx/oauth2/globex/token",
                "https://wd2.myworkday.com/globex/authorize",
            )
            .stdin("a-different-secret")
            .run()
            .await;
        let e = run.error(2, "profile.duplicate_name");
        assert_mentions(&e.message, "Acme", &run);
        assert_eq!(
            std::fs::read(cli.config_file()).unwrap(),
            before,
            "the config file changed"
        );
        assert_eq!(
            cli.keyring("Acme", "client-secret").as_deref(),
            Some(SECRET),
            "the first connection's secret changed"
        );
        // Windows Credential Manager finds its entries case-insensitively: there `acme` reads
        // Acme's entry.
        let same_entry =
            name == "Acme" || (e2e::target_is_windows() && name.eq_ignore_ascii_case("Acme"));
        assert_eq!(cli.keyring(name, "client-secret").as_deref(), {
            if same_entry { Some(SECRET) } else { None }
        });
    }
    assert_eq!(cli.names().await, ["Acme"]);
}

/// Every command that names a connection answers an unknown one with exit 2 and
/// `profile.not_found`, naming it.
#[tokio::test(flavor = "multi_thread")]
async fn unknown_connections_exit_2_with_not_found() {
    let cli = Cli::new();
    add(&cli, "acme", REST, TOKEN, AUTHORIZE).await.ok();
    let before = std::fs::read(cli.config_file()).unwrap();
    let commands: &[&[&str]] = &[
        &["show", "nope"],
        &["test", "nope"],
        &["connect", "nope", "--timeout", "5"],
        &["remove", "nope"],
        &["edit", "nope", "--client-id", "x"],
        &["disconnect", "nope"],
    ];
    for args in commands {
        let run = cli.cmd(args.iter().copied()).run().await;
        let e = run.error(2, "profile.not_found");
        assert_mentions(&e.message, "\"nope\"", &run);
        assert_mentions(&e.fix, "wdconnect list", &run);
    }
    assert_eq!(std::fs::read(cli.config_file()).unwrap(), before);
    assert_eq!(
        cli.keyring("acme", "client-secret").as_deref(),
        Some(SECRET)
    );
}

/// Without a Secret Service (no D-Bus session, an empty runtime dir, no display) `add` fails
/// with `keyring.unavailable`, says how to get one, and adds nothing: no plaintext fallback.
#[tokio::test(flavor = "multi_thread")]
async fn add_without_a_secret_service_adds_nothing() {
    // Linux only: the Secret Service is the one store that a missing session bus takes away.
    if !e2e::target_is_linux() {
        eprintln!("not run: the binaries under test are not Linux programs");
        return;
    }
    let cli = Cli::new();
    let runtime = tempfile::tempdir().unwrap();
    let run = cli
        .cmd(["add", "acme"])
        .values(ID, REST, TOKEN, AUTHORIZE)
        .stdin(SECRET)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("XDG_RUNTIME_DIR", runtime.path())
        .run()
        .await;
    let e = run.error(1, "keyring.unavailable");
    assert_mentions(&e.message, "credential store", &run);
    assert_mentions(&e.fix, "Secret Service", &run);
    assert_mentions(&e.fix, "DBUS_SESSION_BUS_ADDRESS", &run);
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
    assert!(
        !cli.config_file().exists(),
        "a connection was added:\n{run}"
    );
    assert!(cli.names().await.is_empty());
    assert_eq!(cli.keyring("acme", "client-secret"), None);
}

/// A damaged `connections.json` is reported with its path by `list`, `add` and `status`, exit 1,
/// and never overwritten.
#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_config_file_is_reported_and_left_untouched() {
    let cli = Cli::new();
    let garbage = b"{\"version\": 1, \"connections\": [ this is not json \x00\xff".to_vec();
    std::fs::write(cli.config_file(), &garbage).unwrap();
    // As the binary spells it (under Wine: on drive Z:).
    let path = e2e::native_path(&cli.config_file())
        .to_string_lossy()
        .into_owned();

    let runs = [
        cli.cmd(["list"]).run().await,
        add(&cli, "acme", REST, TOKEN, AUTHORIZE).await,
        cli.cmd(["status"]).run().await,
        cli.cmd(["show", "acme"]).run().await,
    ];
    for run in &runs {
        let e = run.error(1, "config.corrupt");
        assert_mentions(&e.message, &path, run);
        assert_mentions(&e.fix, &path, run);
        assert_eq!(
            std::fs::read(cli.config_file()).unwrap(),
            garbage,
            "the file changed after:\n{run}"
        );
    }
    assert_eq!(
        cli.keyring("acme", "client-secret"),
        None,
        "the refused add left its secret behind"
    );
}

/// A config file damaged after a connection was added: `add` of the same name fails with
/// `config.corrupt` and leaves that connection's client secret in the credential store as it
/// was (it cannot tell a duplicate from a new name, so it must not store first).
#[tokio::test(flavor = "multi_thread")]
async fn add_on_a_corrupt_config_keeps_the_existing_secret() {
    let cli = Cli::new();
    add(&cli, "acme", REST, TOKEN, AUTHORIZE).await.ok();
    let garbage = b"not json at all".to_vec();
    std::fs::write(cli.config_file(), &garbage).unwrap();

    let run = cli
        .cmd(["add", "acme"])
        .values(ID, REST, TOKEN, AUTHORIZE)
        .stdin("wdc-a-second-secret-5e1c")
        .run()
        .await;
    run.error(1, "config.corrupt");
    assert_eq!(std::fs::read(cli.config_file()).unwrap(), garbage);
    assert_eq!(
        cli.keyring("acme", "client-secret").as_deref(),
        Some(SECRET),
        "the existing connection's client secret was lost"
    );
}

/// The human output of a refusal goes to stderr with the code and fix (and exit 2), for people.
#[tokio::test(flavor = "multi_thread")]
async fn human_errors_name_code_and_fix_on_stderr() {
    let cli = Cli::new();
    let run = cli.cmd(["show", "nope"]).human().run().await;
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stdout.is_empty(), "{run}");
    for needle in ["error:", "profile.not_found", "fix:"] {
        assert_mentions(&run.stderr, needle, &run);
    }
}
