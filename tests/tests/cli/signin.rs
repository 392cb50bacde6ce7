//! `wdconnect connect` through the consent browser: a busy port, a denied consent, forged and
//! flooding requests at the listener, a wrong client secret, OAuth clients disabled, a wrong
//! tenant.

use e2e::cli::{Cli, Tenant};

use crate::assert_mentions;

/// The redirect port is taken by another program: exit 1, `signin.port_busy` naming the port,
/// and the connection is left as it was.
#[tokio::test(flavor = "multi_thread")]
async fn a_busy_redirect_port_is_named() {
    let tenant = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    let _taken = std::net::TcpListener::bind(("127.0.0.1", tenant.redirect_port)).unwrap();

    let run = cli.connect_with("acme", &[]).await;
    let e = run.error(1, "signin.port_busy");
    let port = tenant.redirect_port.to_string();
    assert_mentions(&e.message, &port, &run);
    assert_mentions(&e.fix, &port, &run);
    assert_mentions(&e.fix, "Redirection URI", &run);
    assert!(
        tenant.requests(|_| true).is_empty(),
        "nothing may reach the tenant"
    );
    assert_eq!(cli.status("acme").await["state"], "not_configured");
}

/// Deny on the consent page: exit 1, `signin.denied`, not connected, no refresh token.
#[tokio::test(flavor = "multi_thread")]
async fn a_denied_consent_is_reported() {
    let tenant = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;

    let run = cli.connect_with("acme", &[("WDC_CONSENT", "deny")]).await;
    let e = run.error(1, "signin.denied");
    assert_mentions(&e.fix, "Allow", &run);
    assert_ne!(cli.status("acme").await["state"], "connected");
    assert_eq!(cli.keyring("acme", "refresh-token"), None);
    assert!(
        tenant.token_calls().is_empty(),
        "a denied sign-in must not call the token endpoint"
    );
}

/// A forged callback with a wrong state first, then the real one: the sign-in succeeds.
#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_state_does_not_end_the_sign_in() {
    let tenant = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;

    let run = cli
        .connect_with("acme", &[("WDC_CONSENT_PRELUDE", "wrong-state")])
        .await;
    assert_eq!(run.ok()["connected"], "acme", "{run}");
    let log = cli.consent_log();
    assert!(
        log.contains("prelude wrong-state: 400"),
        "the forged callback was not sent or not refused:\n{log}"
    );
    assert_eq!(cli.status("acme").await["state"], "connected");
    assert!(cli.keyring("acme", "refresh-token").is_some());
}

/// Hundreds of stray requests at the listener (other paths and methods, wrong or missing state,
/// a forged denial, malformed HTTP) before the real consent: the sign-in still succeeds.
#[tokio::test(flavor = "multi_thread")]
async fn a_request_flood_does_not_end_the_sign_in() {
    let tenant = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;

    let run = cli
        .connect_with("acme", &[("WDC_CONSENT_PRELUDE", "flood")])
        .await;
    let log = cli.consent_log();
    assert_eq!(run.code, 0, "{run}\nconsent log:\n{log}");
    let flood = log
        .lines()
        .find(|l| l.starts_with("prelude flood:"))
        .unwrap_or_else(|| panic!("the flood did not run:\n{log}"));
    for answered in ["404=", "400=", "405="] {
        assert!(flood.contains(answered), "{flood}");
    }
    assert_eq!(cli.status("acme").await["state"], "connected");
    cli.test("acme").await.ok();
}

/// A wrong client secret passes `add` (it cannot be checked offline) and fails at the code
/// exchange with `token.invalid_client`, whose fix points at the Client Secret.
#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_client_secret_fails_at_the_code_exchange() {
    let tenant = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    cli.add_with_secret("acme", &tenant, "wdc-not-the-secret-1b7e0d")
        .await
        .ok();

    // The page the browser's tab shows. The browser writes it after reading the callback's
    // answer, which may be after wdconnect has returned: wait for this sign-in's page.
    let page = cli.scratch().join("callback-page.html");
    let page_env = page.to_str().expect("a UTF-8 path");
    let run = cli
        .connect_with("acme", &[("WDC_CONSENT_PAGE", page_env)])
        .await;
    let e = run.error(1, "token.invalid_client");
    assert_mentions(&e.fix, "Client Secret", &run);
    assert_mentions(&e.message, "401", &run);
    assert_eq!(tenant.token_calls().len(), 1, "one exchange, not retried");
    assert_ne!(cli.status("acme").await["state"], "connected");
    assert_eq!(cli.keyring("acme", "refresh-token"), None);
    // The tab never claimed success: it says the sign-in did not finish, and why.
    let shown = browser_page(&page).await;
    assert!(shown.contains("data-result=\"failed\""), "{shown}");
    assert!(!shown.to_lowercase().contains("signed in"), "{shown}");
    assert!(shown.contains("401"), "{shown}");
    assert!(!shown.contains("wdc-not-the-secret"), "{shown}");

    // Mending it with `edit --client-secret-stdin` makes the next sign-in work, and only then
    // does the tab say so.
    cli.cmd(["edit", "acme"])
        .stdin(&tenant.values().client_secret)
        .run()
        .await
        .ok();
    std::fs::remove_file(&page).expect("the first page is read");
    let run = cli
        .connect_with("acme", &[("WDC_CONSENT_PAGE", page_env)])
        .await;
    assert_eq!(run.json()["connected"], "acme", "{run}");
    let shown = browser_page(&page).await;
    assert!(shown.contains("data-result=\"success\""), "{shown}");
    cli.test("acme").await.ok();
}

/// The page the test browser wrote, once it is there whole.
async fn browser_page(page: &std::path::Path) -> String {
    for _ in 0..600 {
        if let Ok(shown) = std::fs::read_to_string(page)
            && shown.contains("</html>")
        {
            return shown;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the browser never wrote {}", page.display());
}

/// "OAuth 2.0 Clients Enabled" off: the token endpoint answers 401 invalid_client, and the fix
/// names the tenant setting.
#[tokio::test(flavor = "multi_thread")]
async fn oauth_clients_disabled_names_the_tenant_setting() {
    let tenant = Tenant::start(|s| s.oauth_clients_enabled = false).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;

    let run = cli.connect_with("acme", &[]).await;
    let e = run.error(1, "token.invalid_client");
    assert_mentions(&e.fix, "OAuth 2.0 Clients Enabled", &run);
    assert_ne!(cli.status("acme").await["state"], "connected");
}

/// URLs that name another tenant (consistently, on the tenant's own hosts): Workday answers 503,
/// reported as the tenant being unavailable rather than as a generic server error.
#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_tenant_is_reported_as_unavailable() {
    let tenant = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    let [rest, token, authorize] = tenant.urls_for_tenant("globex_prod");
    cli.cmd(["add", "wrong"])
        .values(&tenant.values().client_id, &rest, &token, &authorize)
        .arg("--redirect-port")
        .arg(tenant.redirect_port.to_string())
        .stdin(&tenant.values().client_secret)
        .run()
        .await
        .ok();

    // The sign-in page of a wrong tenant is Workday's 503: nothing ever comes back.
    let run = cli.cmd(["connect", "wrong", "--timeout", "3"]).run().await;
    let e = run.error(1, "signin.timed_out");
    assert_mentions(&e.fix, &format!("{}", tenant.redirect_port), &run);

    // A connection signed in on the right tenant and then edited to the wrong one: the token
    // endpoint's 503 is named for what it means.
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    cli.cmd(["edit", "acme"])
        .arg("--rest-endpoint")
        .arg(&rest)
        .arg("--token-endpoint")
        .arg(&token)
        .arg("--authorize-endpoint")
        .arg(&authorize)
        .run()
        .await
        .ok();
    let run = cli.test("acme").await;
    assert_eq!(run.code, 1, "{run}");
    let step = run.step("token");
    assert_eq!(step["verdict"], "fail", "{run}");
    assert_eq!(step["http_status"], 503, "{run}");
    let code = step["problem"]["code"].as_str().unwrap_or_default();
    assert!(
        matches!(code, "token.tenant_unavailable" | "api.tenant_unavailable"),
        "{run}"
    );
    assert_mentions(
        step["problem"]["message"].as_str().unwrap_or_default(),
        "tenant",
        &run,
    );
    assert_ne!(cli.status("acme").await["state"], "connected");
}
